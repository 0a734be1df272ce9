/** A client certificate from the pinned CA (a bot's, an admin's) must not pass for the server. */
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {before, describe, it} from 'node:test'
import {caPin} from '../../../src/lib/net/ca-pin.js'
import {pinnedChainProblem} from '../../../src/lib/net/pin.js'
import {makeClientCert, makeRootCa, makeServerCert, type TestCert} from '../../helpers/pki.js'

let root: TestCert
let client: TestCert
let server: TestCert
before(async () => {
  root = await makeRootCa('pin-eku-root')
  client = await makeClientCert(root, 'bot-mallory')
  server = await makeServerCert(root)
})

describe('pinned chains and key usage', () => {
  it('refuses a leaf whose extended key usage does not include serverAuth', () => {
    const chain = [new X509Certificate(client.der), new X509Certificate(root.der)]
    assert.equal(pinnedChainProblem(chain, [caPin(root.der)], new Date()), 'certificate "CN=bot-mallory" is not for server authentication')
  })

  it('accepts a server certificate from the same CA', () => {
    const chain = [new X509Certificate(server.der), new X509Certificate(root.der)]
    assert.equal(pinnedChainProblem(chain, [caPin(root.der)], new Date()), undefined)
  })
})
