import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {serverUrl} from '../../../src/lib/net/server-url.js'

describe('serverUrl', () => {
  it('takes host[:port] as Teleport does (default: the web port 3080) or an https URL', () => {
    assert.equal(serverUrl('teleport.example.com'), 'https://teleport.example.com:3080')
    assert.equal(serverUrl('127.0.0.1:3025'), 'https://127.0.0.1:3025')
    assert.equal(serverUrl('[::1]:443'), 'https://[::1]:443')
    assert.equal(serverUrl('https://teleport.example.com'), 'https://teleport.example.com:443')
    assert.equal(serverUrl(' https://h:8443/some/path '), 'https://h:8443')
  })

  it('refuses other schemes and credentials in the URL', () => {
    assert.throws(() => serverUrl('http://h:80'), {code: 'BAD_PARAMETER', message: 'server address "http://h:80": only https:// is supported'})
    assert.throws(() => serverUrl('https://u:p@h'), {message: 'server address "https://u:p@h": credentials do not belong in the URL'})
    assert.throws(() => serverUrl('h:99999'), {message: 'address "h:99999": port 99999 is out of range 1-65535'})
  })
})
