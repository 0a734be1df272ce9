import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {before, describe, it} from 'node:test'
import {computeThumbprint, thumbprintTarget} from '../../../src/lib/net/thumbprint-dial.js'
import {makeIntermediateCa, makeRootCa, type TestCert} from '../../helpers/pki.js'

let root: TestCert
let intermediate: TestCert
before(async () => {
  root = await makeRootCa('tp-root')
  intermediate = await makeIntermediateCa('tp-int', root)
})

function opensslSha1(pem: string): string {
  const out = execFileSync('openssl', ['x509', '-fingerprint', '-sha1', '-noout'], {input: pem}).toString()
  return out.trim().replace(/^.*=/, '').replaceAll(':', '').toLowerCase()
}

describe('computeThumbprint', () => {
  it('is the SHA-1 of the last certificate, 40 lowercase hex', () => {
    const tp = computeThumbprint([intermediate.der, root.der])
    assert.match(tp, /^[0-9a-f]{40}$/)
    assert.equal(tp, opensslSha1(root.certPem))
    assert.equal(computeThumbprint([intermediate.der]), opensslSha1(intermediate.certPem))
  })

  it('refuses an empty chain', () => {
    assert.throws(() => computeThumbprint([]), {code: 'BAD_PARAMETER', message: 'the server presented no certificates'})
  })
})

describe('thumbprintTarget', () => {
  const cases: Array<[string, string, number]> = [
    ['teleport.example.com', 'teleport.example.com', 443],
    ['teleport.example.com:3080', 'teleport.example.com', 3080],
    ['https://teleport.example.com', 'teleport.example.com', 443],
    ['https://teleport.example.com:8443/workload-identity', 'teleport.example.com', 8443],
    ['HTTPS://[::1]:9', '::1', 9],
    ['[::1]', '::1', 443],
    ['  teleport.example.com:443 ', 'teleport.example.com', 443],
  ]
  for (const [input, host, port] of cases) {
    it(`dials ${input}`, () => {
      const target = thumbprintTarget(input)
      assert.equal(target.host, host)
      assert.equal(target.port, port)
    })
  }

  it('refuses other schemes', () => {
    assert.throws(() => thumbprintTarget('http://example.com'), {code: 'BAD_PARAMETER', message: '"http://example.com": only https:// addresses have a thumbprint'})
  })

  it('refuses a bare address with more than host[:port], and text that is no address', () => {
    assert.throws(() => thumbprintTarget('example.com/path'), {code: 'BAD_PARAMETER', message: '"example.com/path": write host[:port] or an https:// URL'})
    assert.throws(() => thumbprintTarget('user@example.com'), {code: 'BAD_PARAMETER', message: '"user@example.com": write host[:port] or an https:// URL'})
    assert.throws(() => thumbprintTarget('example.com:http'), {code: 'BAD_PARAMETER', message: '"example.com:http" is not a valid URL or host[:port]'})
    assert.throws(() => thumbprintTarget(''), {code: 'BAD_PARAMETER', message: '"" is not a valid URL or host[:port]'})
  })
})
