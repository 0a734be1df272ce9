import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {before, describe, it} from 'node:test'
import {subjectAltNames} from '../../../src/lib/workloadapi/certs.js'
import {LinearBackoff} from '../../../src/lib/workloadapi/client.js'
import {x509SvidResponse} from '../../../src/lib/workloadapi/handlers.js'
import {parseJwtBundles, parseJwtSvids, parseX509Bundles, parseX509Context, parseX509Svid} from '../../../src/lib/workloadapi/parse.js'
import type {X509SvidMessage, X509SvidResponse} from '../../../src/lib/workloadapi/proto.js'
import {jwtSvidEntry, TestSource, x509SvidEntry} from '../../helpers/workload-source.js'
import {makeJwtKey, makeTrustDomainCa, type TrustDomainCa} from '../../helpers/pki.js'

describe('client-side parsing (go-spiffe client behaviour)', () => {
  let source: TestSource
  let response: X509SvidResponse
  let ca: TrustDomainCa
  before(async () => {
    source = await TestSource.create('spiffe://example.org/svc/p', () => true, {dns: ['p.example.org', 'a,b.example'],
      ips: ['10.1.2.3', 'fd00::1'], hint: 'h1'})
    ca = source.ca
    response = await x509SvidResponse(source, {})
  })

  it('parses an X509-SVID: ID from the leaf, key matching, SANs in Go form', () => {
    const svid = parseX509Svid(response.svids[0] as X509SvidMessage)
    assert.equal(svid.spiffeId.toString(), 'spiffe://example.org/svc/p')
    assert.equal(svid.hint, 'h1')
    assert.equal(svid.privateKey.asymmetricKeyType, 'ec')
    assert.deepEqual(subjectAltNames(svid.certificates[0]!), {
      uris: ['spiffe://example.org/svc/p'], dns: ['p.example.org', 'a,b.example'], ips: ['10.1.2.3', 'fd00::1'],
    })
  })

  it('rejects a key that is not the leaf\'s, a CA as leaf, and broken DER', async () => {
    const other = await x509SvidEntry(ca, 'spiffe://example.org/other')
    const message = response.svids[0] as X509SvidMessage
    assert.throws(() => parseX509Svid({...message, x509_svid_key: other.privateKey}),
      {message: 'x509svid: private key validation failed: leaf certificate does not match private key'})
    assert.throws(() => parseX509Svid({...message, x509_svid: ca.der}),
      {message: 'x509svid: certificate validation failed: leaf certificate SPIFFE ID must have a non-root path'})
    assert.throws(() => parseX509Svid({...message, x509_svid: Buffer.from([0x30, 0x05, 0x01])}),
      {message: /^x509svid: cannot parse DER encoded certificate: malformed certificate: \S/})
    assert.throws(() => parseX509Svid({...message, x509_svid: Buffer.alloc(0)}),
      {message: 'x509svid: certificate validation failed: no certificates found'})
  })

  it('builds the context: own bundle by the SVID\'s trust domain, federated by either key form, sorted', async () => {
    const partner = await makeTrustDomainCa('partner.test')
    const zeta = await makeTrustDomainCa('zeta.test')
    const context = parseX509Context({...response, federated_bundles: {'spiffe://zeta.test': zeta.der, 'partner.test': partner.der}})
    assert.deepEqual([...context.bundles.keys()], ['example.org', 'partner.test', 'zeta.test'])
    const fingerprint = (der: Uint8Array): string => new X509Certificate(Buffer.from(der)).fingerprint256
    assert.equal(context.bundles.get('example.org')?.authorities[0]?.fingerprint256, fingerprint(source.ca.der))
    assert.equal(context.bundles.get('partner.test')?.authorities[0]?.fingerprint256, fingerprint(partner.der))
  })

  it('keeps the first SVID of a repeated hint; an empty list is an error unless allowed', async () => {
    const second = await x509SvidEntry(ca, 'spiffe://example.org/svc/q', {hint: 'h1'})
    const third = await x509SvidEntry(ca, 'spiffe://example.org/svc/r', {hint: ''})
    const msg = (e: typeof second): X509SvidMessage => ({spiffe_id: e.spiffeId.toString(), x509_svid: e.chain[0]!,
      x509_svid_key: e.privateKey, bundle: ca.der, hint: e.hint ?? ''})
    const context = parseX509Context({...response, svids: [...response.svids, msg(second), msg(third)]})
    assert.deepEqual(context.svids.map((s) => s.spiffeId.toString()), ['spiffe://example.org/svc/p', 'spiffe://example.org/svc/r'])
    assert.throws(() => parseX509Context({...response, svids: []}), {message: 'no SVIDs in response'})
    assert.equal(parseX509Context({svids: [], crl: [], federated_bundles: {}}, {allowEmpty: true}).svids.length, 0)
  })

  it('parses bundle maps and JWKS, requiring kid', () => {
    assert.deepEqual([...parseX509Bundles({crl: [], bundles: {'spiffe://b.test': ca.der, 'a.test': ca.der}}).keys()], ['a.test', 'b.test'])
    const jwks = (keys: unknown[]): Uint8Array => Buffer.from(JSON.stringify({keys}))
    const key = makeJwtKey('kid-1').authority
    const bundles = parseJwtBundles({bundles: {'spiffe://example.org': jwks([key])}})
    assert.deepEqual([...(bundles.get('example.org')?.keys.keys() ?? [])], ['kid-1'])
    assert.throws(() => parseJwtBundles({bundles: {'example.org': jwks([key, {...key, kid: ''}])}}),
      {message: 'jwtbundle: error adding authority 1 of JWKS: keyID cannot be empty'})
    assert.throws(() => parseJwtBundles({bundles: {'bad td!': jwks([])}}), (err: Error) => err.message.startsWith('jwtbundle: invalid trust domain'))
  })

  it('parses JWT-SVIDs insecurely with the requested audiences', () => {
    const key = makeJwtKey('k')
    const exp = Math.floor(Date.now() / 1000) + 60
    const entry = jwtSvidEntry(key, 'spiffe://example.org/j', ['a', 'b'], exp, 'x')
    const [svid] = parseJwtSvids({svids: [{spiffe_id: 'spiffe://example.org/j', svid: entry.token, hint: 'x'}]}, ['b'], new Date())
    assert.equal(svid?.spiffeId.toString(), 'spiffe://example.org/j')
    assert.deepEqual(svid?.audience, ['a', 'b'])
    assert.equal(svid?.expiry.getTime(), exp * 1000)
    assert.throws(() => parseJwtSvids({svids: []}, ['a'], new Date()), {message: 'there were no SVIDs in the response'})
    assert.throws(() => parseJwtSvids({svids: [{spiffe_id: '', svid: entry.token, hint: ''}]}, ['c'], new Date()),
      {message: 'jwtsvid: expected audience in ["c"] (audience=["a" "b"])'})
  })
})

describe('LinearBackoff (go-spiffe workloadapi/backoff.go)', () => {
  it('waits 1 s, 2 s, 3 s … capped at 30 s, and starts over after a reset', () => {
    const backoff = new LinearBackoff()
    const waits = Array.from({length: 32}, () => backoff.next())
    assert.deepEqual(waits.slice(0, 3), [1000, 2000, 3000])
    assert.deepEqual(waits.slice(28), [29_000, 30_000, 30_000, 30_000])
    backoff.reset()
    assert.equal(backoff.next(), 1000)
  })
})
