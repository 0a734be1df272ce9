import assert from 'node:assert/strict'
import {before, describe, it} from 'node:test'
import {caPin} from '../../../src/lib/net/ca-pin.js'
import {parseCaPin, pinnedChainProblem} from '../../../src/lib/net/pin.js'
import {makeClientCert, makeIntermediateCa, makeRootCa, makeServerCert, type TestCert} from '../../helpers/pki.js'

let root: TestCert
let int: TestCert
let leaf: TestCert
let other: TestCert
let expiredLeaf: TestCert
let underLeaf: TestCert
const now = new Date()

before(async () => {
  root = await makeRootCa('root')
  int = await makeIntermediateCa('int', root)
  leaf = await makeServerCert(int)
  other = await makeRootCa('other')
  expiredLeaf = await makeServerCert(int, {notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000)})
  underLeaf = await makeClientCert(leaf, 'under')
})

describe('parseCaPin', () => {
  it('canonicalizes a valid pin', () => {
    assert.equal(parseCaPin(' SHA256:' + 'AB'.repeat(32)), 'sha256:' + 'ab'.repeat(32))
  })
  const bad: Array<[string, string]> = [
    ['abc', 'invalid format for certificate pin, expected algorithm:pin'],
    ['sha1:abcd', 'sha256 only supported hashing algorithm for certificate pin'],
    ['sha256:abcd', 'invalid certificate pin "sha256:abcd": expected sha256: and 64 hex digits'],
    ['sha256:a:b', 'invalid format for certificate pin, expected algorithm:pin'],
  ]
  for (const [pin, message] of bad) {
    it(`refuses ${pin}`, () => assert.throws(() => parseCaPin(pin), {code: 'BAD_PARAMETER', message}))
  }
})

describe('pinnedChainProblem', () => {
  it('accepts a chain that reaches a pinned CA through valid signatures', () => {
    assert.equal(pinnedChainProblem([leaf.node, int.node, root.node], [caPin(root.der)], now), undefined)
    assert.equal(pinnedChainProblem([leaf.node, int.node], [caPin(other.der), caPin(int.der)], now), undefined)
    assert.equal(pinnedChainProblem([leaf.node], [caPin(leaf.der)], now), undefined)
  })

  it('refuses when no presented certificate has a pinned key', () => {
    assert.equal(pinnedChainProblem([leaf.node, int.node, root.node], [caPin(other.der)], now), 'no certificate the server presented matches the CA pin')
    assert.equal(pinnedChainProblem([leaf.node], [caPin(root.der)], now), 'no certificate the server presented matches the CA pin')
  })

  it('refuses a chain whose links are not signatures', () => {
    assert.equal(pinnedChainProblem([leaf.node, other.node], [caPin(other.der)], now), 'certificate "CN=server" is not signed by "CN=other"')
  })

  it('refuses an expired certificate below the pin', () => {
    const problem = pinnedChainProblem([expiredLeaf.node, int.node], [caPin(int.der)], now)
    assert.match(problem ?? '', /^certificate "CN=server" is not valid at /)
  })

  it('refuses a pinned certificate that may not sign certificates', () => {
    // OpenSSL's issuer check already fails on the leaf's keyUsage (no keyCertSign).
    assert.equal(pinnedChainProblem([underLeaf.node, leaf.node], [caPin(leaf.der)], now), 'certificate "CN=under" is not signed by "CN=server"')
  })
})
