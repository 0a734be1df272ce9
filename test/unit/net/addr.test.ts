import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {formatHostPort, parseHostPort} from '../../../src/lib/net/addr.js'

describe('parseHostPort', () => {
  const good: Array<[string, string, number, boolean]> = [
    ['0.0.0.0:3080', '0.0.0.0', 3080, true],
    ['teleport.example.com', 'teleport.example.com', 3080, false],
    ['teleport.example.com:443', 'teleport.example.com', 443, true],
    ['[::1]:8443', '::1', 8443, true],
    ['[::]', '::', 3080, false],
    [' host:1 ', 'host', 1, true],
  ]
  for (const [raw, host, port, explicitPort] of good) {
    it(`parses ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(parseHostPort(raw, 3080), {host, port, explicitPort, raw: raw.trim()})
    })
  }

  const bad: Array<[string, string]> = [
    ['', 'address is empty'],
    ['host:0', 'address "host:0": port 0 is out of range 1-65535'],
    ['host:http', 'address "host:http": invalid port "http"'],
    ['host:', 'address "host:": invalid port ""'],
    [':3080', 'address ":3080": host is empty'],
    ['::1', 'address "::1": an IPv6 address needs brackets, e.g. [::1]:3080'],
    ['[::1', 'address "[::1": missing "]" after an IPv6 address'],
    ['[::1]x', 'address "[::1]x": unexpected text after "]"'],
    ['[example.com]:1', 'address "[example.com]:1": "example.com" is not an IPv6 address'],
    ['https://host', 'address "https://host": write host[:port], without a scheme'],
    ['a b:1', 'address "a b:1": invalid host "a b"'],
  ]
  for (const [raw, message] of bad) {
    it(`refuses ${JSON.stringify(raw)}`, () => {
      assert.throws(() => parseHostPort(raw, 3080), {code: 'BAD_PARAMETER', message})
    })
  }

  it('formats IPv6 with brackets', () => {
    assert.equal(formatHostPort({host: '::1', port: 1}), '[::1]:1')
    assert.equal(formatHostPort({host: 'a.example', port: 2}), 'a.example:2')
  })
})
