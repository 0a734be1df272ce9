import assert from 'node:assert/strict'
import {loadX509Bundle} from '../../../src/lib/input/bundle-files.js'
import {createPublicKey, generateKeyPairSync} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {generateP256KeyDer} from '../../../src/lib/ca/fast-leaf/fast-keygen.js'
import {jwkMembers, jwksFromKeys} from '../../../src/lib/ca/jwk.js'
import {toPem} from '../../../src/lib/ca/pem.js'
import {BadParameterError, NotFoundError} from '../../../src/lib/errors.js'
import {BundleSet, JwtBundle, SpiffeBundle, X509Bundle} from '../../../src/lib/spiffe/bundle.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {sharedCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

const TD = TrustDomain.parse('example.org')
const OTHER = TrustDomain.parse('other.org')

/** `message` exactly, or go-spiffe's prefix followed by a library's reason matching the pattern. */
function fails(fn: () => unknown, message: string | {prefix: string; reason: RegExp}, type: new (...a: never[]) => Error = BadParameterError): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `${String(e)} is not a ${type.name}`)
    if (typeof message === 'string') assert.equal(e.message, message)
    else {
      assert.ok(e.message.startsWith(message.prefix), e.message)
      assert.match(e.message.slice(message.prefix.length), message.reason)
    }
    return true
  })
}

describe('X509Bundle', () => {
  it('parses PEM and concatenated DER, dropping duplicates, and marshals both back', async () => {
    const a = (await sharedCa()).spiffeCa
    const b = (await sharedCa({clusterName: 'other.org'})).spiffeCa
    const pem = a.certPem + 'comment between blocks\n' + b.certPem + a.certPem
    const bundle = X509Bundle.parse(TD, pem)
    assert.equal(bundle.x509Authorities().length, 2)
    assert.equal(bundle.marshal(), a.certPem + b.certPem)
    assert.deepEqual(bundle.marshalRaw(), Buffer.concat([a.certDer, b.certDer]))
    const raw = X509Bundle.parseRaw(TD, bundle.marshalRaw())
    assert.ok(raw.equals(bundle))
    assert.ok(raw.hasX509Authority(a.certDer))
    assert.ok(!X509Bundle.parse(TD, a.certPem).hasX509Authority(b.cert))
    assert.ok(X509Bundle.parse(TD, '').isEmpty())
    assert.ok(X509Bundle.parseRaw(TD, Buffer.alloc(0)).isEmpty())
    assert.ok(X509Bundle.parse(TD, toPem('PRIVATE KEY', Buffer.from('00', 'hex'))).isEmpty())
    assert.equal(bundle.getX509BundleForTrustDomain(TD), bundle)
  })

  it('reports errors with go-spiffe\'s messages', async () => {
    fails(() => X509Bundle.parse(TD, 'not pem'), 'x509bundle: cannot parse certificate: no PEM blocks found')
    const malformed = {prefix: 'x509bundle: cannot parse certificate: malformed certificate: ', reason: /\S/}
    fails(() => X509Bundle.parse(TD, toPem('CERTIFICATE', Buffer.from('3000', 'hex'))), malformed)
    fails(() => X509Bundle.parseRaw(TD, Buffer.from('30820000', 'hex')), malformed)
    const a = (await sharedCa()).spiffeCa
    fails(() => X509Bundle.parseRaw(TD, Buffer.concat([a.certDer, Buffer.from('0102', 'hex')])), malformed)
    fails(() => X509Bundle.empty(TD).getX509BundleForTrustDomain(OTHER), 'x509bundle: no X.509 bundle found for trust domain: "other.org"', NotFoundError)
    const dir = tempDir()
    writeFileSync(join(dir, 'bundle.pem'), a.certPem)
    assert.equal((await loadX509Bundle(TD, join(dir, 'bundle.pem'))).x509Authorities().length, 1)
    await assert.rejects(loadX509Bundle(TD, join(dir, 'missing.pem')), (e: unknown) => e instanceof BadParameterError && e.message.startsWith('x509bundle: unable to load X.509 bundle file: ENOENT'))
  })
})

describe('JwtBundle', () => {
  it('parses Teleport\'s JWKS by kid (ignoring use) and round-trips', async () => {
    const rsa = (await sharedCa()).jwtKey
    const ec = (await sharedCa({x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})).jwtKey
    const bundle = JwtBundle.parse(TD, JSON.stringify(jwksFromKeys([rsa, ec])))
    assert.deepEqual([...bundle.jwtAuthorities().keys()], [rsa.kid, ec.kid])
    assert.ok(bundle.findJwtAuthority(ec.kid)?.equals(ec.publicKey))
    assert.equal(bundle.findJwtAuthority('nope'), undefined)
    const marshalled = JSON.parse(bundle.marshal()) as {keys: Array<Record<string, unknown>>}
    assert.deepEqual(Object.keys(marshalled.keys[0]!), ['kty', 'kid', 'n', 'e'])
    assert.deepEqual(Object.keys(marshalled.keys[1]!), ['kty', 'kid', 'crv', 'x', 'y'])
    assert.ok(JwtBundle.parse(TD, bundle.marshal()).equals(bundle))
    assert.ok(JwtBundle.parse(TD, '{}').isEmpty())
  })

  it('reports errors with go-spiffe\'s messages around node:crypto\'s reasons', async () => {
    // Not `export({format: 'jwk'})` on a fresh KeyObject: that can deadlock Node 20 (fast-keygen.ts).
    const ec = jwkMembers(createPublicKey({key: generateP256KeyDer().spki, format: 'der', type: 'spki'}))
    const doc = (...keys: unknown[]) => JSON.stringify({keys})
    const p = 'jwtbundle: unable to parse JWKS: '
    fails(() => JwtBundle.parse(TD, doc({...ec, kid: 'a'}, ec)), 'jwtbundle: error adding authority 1 of JWKS: keyID cannot be empty')
    fails(() => JwtBundle.parse(TD, doc({...ec, kty: 'XYZ', kid: 'a'})), {prefix: p, reason: /kty.*XYZ/})
    fails(() => JwtBundle.parse(TD, doc({...ec, kty: undefined, kid: 'a'})), {prefix: p, reason: /kty/})
    fails(() => JwtBundle.parse(TD, doc({kty: 'RSA', kid: 'a', e: 'AQAB'})), {prefix: p, reason: /\bn\b/})
    fails(() => JwtBundle.parse(TD, doc({...ec, crv: 'P-999', kid: 'a'})), {prefix: p, reason: /P-999/})
    const k1 = jwkMembers(generateKeyPairSync('ec', {namedCurve: 'secp256k1'}).publicKey)
    fails(() => JwtBundle.parse(TD, doc({...k1, kid: 'a'})), p + 'unsupported elliptic curve secp256k1')
    fails(() => JwtBundle.parse(TD, doc({...ec, x: 'AAAA', kid: 'a'})), {prefix: p, reason: /JWK/})
    fails(() => JwtBundle.parse(TD, doc({...ec, y: ec.x, kid: 'a'})), {prefix: p, reason: /JWK/})
    fails(() => JwtBundle.parse(TD, doc({kty: 'oct', k: 'AAAA', kid: 'a'})), p + 'a symmetric (oct) key cannot be a SPIFFE authority')
    fails(() => JwtBundle.parse(TD, doc({...ec, d: ec.x, kid: 'a'})), p + 'private key material in a public key set')
    fails(() => JwtBundle.parse(TD, '{"keys":{}}'), p + '"keys" must be an array')
    fails(() => JwtBundle.parse(TD, '[]'), p + 'a JWK Set must be a JSON object')
    fails(() => JwtBundle.parse(TD, '{'), {prefix: p, reason: /JSON/})
    fails(() => JwtBundle.fromJwtAuthorities(TD, {'': generateKeyPairSync('ed25519').publicKey}), 'jwtbundle: keyID cannot be empty')
    fails(() => JwtBundle.empty(TD).getJwtBundleForTrustDomain(OTHER), 'jwtbundle: no JWT bundle for trust domain "other.org"', NotFoundError)
  })
})

describe('SpiffeBundle', () => {
  it('parses and marshals x509-svid and jwt-svid entries with sequence and refresh hint', async () => {
    const ca = await sharedCa()
    const bundle = new SpiffeBundle(TD, {x509Authorities: [ca.spiffeCa.certDer], jwtAuthorities: {[ca.jwtKey.kid]: ca.jwtKey.publicKey}, refreshHintMs: 300_000, sequenceNumber: 7})
    const json = bundle.marshal()
    const doc = JSON.parse(json) as {keys: Array<Record<string, unknown>>; spiffe_sequence: number; spiffe_refresh_hint: number}
    assert.deepEqual(Object.keys(doc), ['keys', 'spiffe_sequence', 'spiffe_refresh_hint'])
    assert.equal(doc.spiffe_refresh_hint, 300)
    assert.equal(doc.spiffe_sequence, 7)
    assert.deepEqual(Object.keys(doc.keys[0]!), ['use', 'kty', 'crv', 'x', 'y', 'x5c'])
    assert.equal(doc.keys[0]!['use'], 'x509-svid')
    assert.deepEqual(doc.keys[0]!['x5c'], [ca.spiffeCa.certDer.toString('base64')])
    assert.deepEqual(Object.keys(doc.keys[1]!), ['use', 'kty', 'kid', 'n', 'e'])
    const parsed = SpiffeBundle.parse(TD, json)
    assert.ok(parsed.equals(bundle))
    assert.equal(parsed.x509Bundle().x509Authorities().length, 1)
    assert.ok(parsed.jwtBundle().findJwtAuthority(ca.jwtKey.kid)?.equals(ca.jwtKey.publicKey))
    assert.equal(JSON.parse(new SpiffeBundle(TD, {refreshHintMs: 1500}).marshal()).spiffe_refresh_hint, 2)
    assert.equal(new SpiffeBundle(TD).marshal(), '{"keys":[]}')
    assert.ok(SpiffeBundle.parse(TD, '{"keys":[]}').isEmpty())
    // Unknown `use` values and entries without `use` are ignored.
    const extra = JSON.parse(json) as {keys: Array<Record<string, unknown>>}
    extra.keys.push({...extra.keys[1], use: 'wit-svid'}, {...extra.keys[1], use: undefined, kid: 'other'})
    assert.ok(SpiffeBundle.parse(TD, JSON.stringify(extra)).equals(parsed))
  })

  it('reports errors with go-spiffe\'s messages', async () => {
    const ca = await sharedCa()
    const other = await sharedCa({clusterName: 'other.org'})
    const x509Entry = JSON.parse(new SpiffeBundle(TD, {x509Authorities: [ca.spiffeCa.certDer]}).marshal()).keys[0] as Record<string, unknown>
    const jwtEntry = JSON.parse(new SpiffeBundle(TD, {jwtAuthorities: {k: ca.jwtKey.publicKey}}).marshal()).keys[0] as Record<string, unknown>
    const doc = (...keys: unknown[]) => JSON.stringify({keys})
    fails(() => SpiffeBundle.parse(TD, '{"spiffe_sequence":1}'), 'spiffebundle: no authorities found')
    fails(() => SpiffeBundle.parse(TD, doc(x509Entry, {...x509Entry, x5c: [ca.spiffeCa.certDer.toString('base64'), other.spiffeCa.certDer.toString('base64')]})), 'spiffebundle: expected a single certificate in x509-svid entry 1; got 2')
    fails(() => SpiffeBundle.parse(TD, doc({...x509Entry, x5c: undefined})), 'spiffebundle: expected a single certificate in x509-svid entry 0; got 0')
    fails(() => SpiffeBundle.parse(TD, doc(x509Entry, {...jwtEntry, kid: undefined})), 'spiffebundle: error adding authority 1 of JWKS: keyID cannot be empty')
    fails(() => SpiffeBundle.parse(TD, doc({...x509Entry, x5c: [other.spiffeCa.certDer.toString('base64')]})), 'spiffebundle: unable to parse JWKS: the key and its first x5c certificate hold different public keys')
    fails(() => SpiffeBundle.parse(TD, '{"keys":[],"spiffe_sequence":-1}'), 'spiffebundle: unable to parse JWKS: "spiffe_sequence" must be a non-negative integer, not -1')
    fails(() => new SpiffeBundle(TD).getX509BundleForTrustDomain(OTHER), 'spiffebundle: no X.509 bundle for trust domain "other.org"', NotFoundError)
    fails(() => new SpiffeBundle(TD).getJwtBundleForTrustDomain(OTHER), 'spiffebundle: no JWT bundle for trust domain "other.org"', NotFoundError)
  })
})

describe('BundleSet', () => {
  it('merges X.509 and JWT halves per trust domain and looks up by trust domain only', async () => {
    const ca = await sharedCa()
    const set = new BundleSet()
    set.add(X509Bundle.fromX509Authorities(TD, [ca.spiffeCa.certDer]))
    set.add(JwtBundle.fromJwtAuthorities(TD, {[ca.jwtKey.kid]: ca.jwtKey.publicKey}))
    assert.equal(set.size, 1)
    assert.equal(set.getX509BundleForTrustDomain(TD).x509Authorities().length, 1)
    assert.ok(set.getJwtBundleForTrustDomain(TD).hasJwtAuthority(ca.jwtKey.kid))
    set.add(X509Bundle.empty(TD))
    assert.ok(set.getX509BundleForTrustDomain(TD).isEmpty())
    assert.ok(set.getJwtBundleForTrustDomain(TD).hasJwtAuthority(ca.jwtKey.kid), 'replacing the X.509 half keeps the JWT half')
    fails(() => set.getX509BundleForTrustDomain(OTHER), 'spiffebundle: no X.509 bundle for trust domain "other.org"', NotFoundError)
    fails(() => set.getJwtBundleForTrustDomain(OTHER), 'spiffebundle: no JWT bundle for trust domain "other.org"', NotFoundError)
    fails(() => set.getBundleForTrustDomain(OTHER), 'spiffebundle: no SPIFFE bundle for trust domain "other.org"', NotFoundError)
    set.add(new SpiffeBundle(OTHER))
    assert.deepEqual(set.bundlesList().map((b) => b.trustDomain.name), ['example.org', 'other.org'])
    set.remove(OTHER)
    assert.ok(!set.has(OTHER))
  })
})
