import assert from 'node:assert/strict'
import {X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {describe, it} from 'node:test'
import * as der from '../../../src/lib/ca/fast-leaf/der.js'
import {generateP256KeyDer} from '../../../src/lib/ca/fast-leaf/fast-keygen.js'
import {issueX509Svid, type X509SvidParams} from '../../../src/lib/ca/profiles.js'
import {BadParameterError, SpiffeIdError} from '../../../src/lib/errors.js'
import {fixedClock, sharedCa} from '../../helpers/pki.js'
import {openssl, opensslText, opensslVerify} from '../../helpers/openssl.js'
import {tempDir} from '../../helpers/tmp.js'

const ID = 'spiffe://example.org/svc/payments'
const NOW = fixedClock('2026-01-15T12:00:00.500Z')
/** A CA made a day before NOW, so fixed-time leaves fall inside its validity. */
const caAtNow = (opts: Parameters<typeof sharedCa>[0] = {}) => sharedCa({now: fixedClock('2026-01-14T12:00:00Z'), ...opts})

async function svid(overrides: Partial<X509SvidParams> = {}) {
  const ca = await caAtNow()
  return issueX509Svid({ca: ca.spiffeCa, publicKey: generateP256KeyDer().spki, spiffeId: ID, dnsSans: ['payments.svc', 'payments'], ttlMs: 3600_000, now: NOW, ...overrides})
}

/** The SKI RFC 5280 §4.2.1.2 method 1 gives, computed from node's view of the leaf key. */
function expectedSki(cert: X509Certificate): string {
  const spki = cert.publicKey.export({type: 'spki', format: 'der'})
  const bits = spki.subarray(spki.length - 65) // P-256: 0x04 || X || Y ends the SPKI
  return createHash('sha1').update(bits).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:')
}

describe('issueX509Svid: Teleport profile (lib/auth/machineid/workloadidentityv1/issuer_service.go)', () => {
  it('passes openssl verify -purpose any and shows every profile field', async () => {
    const ca = await caAtNow()
    const issued = await svid()
    const dir = tempDir()
    const v = opensslVerify(dir, [ca.spiffeCa.certDer], issued.der, {at: NOW()})
    assert.equal(v.status, 0, v.stderr + v.stdout)
    assert.match(v.stdout, /: OK\n$/)
    const text = opensslText(issued.der)
    assert.match(text, /Version: 3 \(0x2\)/)
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/)
    assert.match(text, /Issuer: O = example\.org, CN = example\.org/)
    assert.match(text, /Not Before: Jan 15 11:59:00 2026 GMT/)
    assert.match(text, /Not After : Jan 15 13:00:00 2026 GMT/)
    assert.match(text, /Subject: \n/) // empty subject
    assert.match(text, /X509v3 Subject Alternative Name: critical\n\s+URI:spiffe:\/\/example\.org\/svc\/payments, DNS:payments\.svc, DNS:payments\n/)
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Key Agreement\n/)
    assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/)
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/)
    const aki = /X509v3 Authority Key Identifier: \n\s+([0-9A-F:]+)\n/.exec(text)?.[1]
    const caSki = /X509v3 Subject Key Identifier: \n\s+([0-9A-F:]+)\n/.exec(opensslText(ca.spiffeCa.certDer))?.[1]
    assert.ok(aki !== undefined && aki === caSki, `AKI ${aki} vs CA SKI ${caSki}`)
    const ski = /X509v3 Subject Key Identifier: \n\s+([0-9A-F:]+)\n/.exec(text)?.[1]
    assert.equal(ski, expectedSki(new X509Certificate(issued.der)))
    assert.doesNotMatch(text, /IP Address/)
  })

  it('reports serial and validity as encoded: whole seconds, now−1m to now+TTL', async () => {
    const issued = await svid({ttlMs: 5 * 60_000 + 999})
    assert.equal(issued.notBefore.toISOString(), '2026-01-15T11:59:00.000Z')
    assert.equal(issued.notAfter.toISOString(), '2026-01-15T12:05:01.000Z')
    const text = opensslText(issued.der)
    const serial = /Serial Number:\n\s+([0-9a-f:]+)\n/.exec(text)?.[1]
    // openssl prints the DER INTEGER content, sign pad included; Teleport's form drops it.
    assert.equal(serial?.replace(/^00:/, ''), issued.serialHex)
    assert.equal(BigInt('0x' + issued.serialHex.replaceAll(':', '')), issued.serial)
    assert.match(issued.serialHex, /^[0-9a-f]{2}(:[0-9a-f]{2})*$/)
  })

  it('draws positive serials below 2^128, top bit set or not, all accepted by openssl', async () => {
    const ca = await caAtNow()
    const serials = await Promise.all(Array.from({length: 64}, () => svid()))
    assert.ok(serials.every((s) => s.serial > 0n && s.serial < 2n ** 128n))
    assert.equal(new Set(serials.map((s) => s.serialHex)).size, 64)
    assert.ok(serials.some((s) => s.serial >= 2n ** 127n), 'some serial uses the top bit (needs a 0x00 pad)')
    const highest = serials.reduce((a, b) => (b.serial > a.serial ? b : a))
    const v = opensslVerify(tempDir(), [ca.spiffeCa.certDer], highest.der, {at: NOW()})
    assert.equal(v.status, 0, v.stderr)
    assert.doesNotMatch(opensslText(highest.der), /Negative/)
  })

  it('uses the subject template when given, and then the SAN is not critical', async () => {
    const issued = await svid({subject: {commonName: 'payments', organization: 'acme', organizationalUnit: 'eng'}})
    const text = opensslText(issued.der)
    assert.match(text, /Subject: O = acme, OU = eng, CN = payments\n/)
    assert.match(text, /X509v3 Subject Alternative Name: \n\s+URI:spiffe:\/\/example\.org\/svc\/payments/)
    const allEmpty = opensslText((await svid({subject: {commonName: '', organization: ''}})).der)
    assert.match(allEmpty, /Subject: \n/)
    assert.match(allEmpty, /Subject Alternative Name: critical/)
  })

  it('takes the key as a KeyObject or PKIX DER, ECDSA or RSA', async () => {
    const ca = await caAtNow()
    const dir = tempDir()
    const rsa = generateKeyPairSync('rsa', {modulusLength: 2048})
    const inputs: Array<KeyObject | Buffer> = [
      generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey,
      generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey, // its public half is certified
      rsa.publicKey,
      rsa.publicKey.export({type: 'spki', format: 'der'}),
      generateKeyPairSync('ec', {namedCurve: 'P-384'}).publicKey.export({type: 'spki', format: 'der'}),
      generateKeyPairSync('ed25519').publicKey.export({type: 'spki', format: 'der'}),
    ]
    for (const publicKey of inputs) {
      const issued = await svid({publicKey})
      const cert = new X509Certificate(issued.der)
      const expected = Buffer.isBuffer(publicKey) ? createPublicKey({key: publicKey, format: 'der', type: 'spki'}) : publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey
      assert.ok(cert.publicKey.equals(expected))
      assert.ok(cert.verify(ca.spiffeCa.cert.publicKey))
      assert.ok(cert.checkIssued(ca.spiffeCa.cert))
      const v = opensslVerify(dir, [ca.spiffeCa.certDer], issued.der, {at: NOW()})
      assert.equal(v.status, 0, v.stderr)
    }
  })

  it('signs with sha256WithRSAEncryption under an RSA CA', async () => {
    const ca = await caAtNow({x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})
    const issued = issueX509Svid({ca: ca.spiffeCa, publicKey: generateP256KeyDer().spki, spiffeId: ID, ttlMs: 600_000, now: NOW})
    assert.match(opensslText(issued.der), /Signature Algorithm: sha256WithRSAEncryption/)
    const v = opensslVerify(tempDir(), [ca.spiffeCa.certDer], issued.der, {at: NOW()})
    assert.equal(v.status, 0, v.stderr)
  })

  it('refuses what no SVID may carry or no key can be', async () => {
    const offCurve = Buffer.from(generateP256KeyDer().spki)
    offCurve[offCurve.length - 1]! ^= 1
    const weakRsa = generateKeyPairSync('rsa', {modulusLength: 1024}).publicKey.export({type: 'spki', format: 'der'})
    const cases: Array<[Partial<X509SvidParams>, string]> = [
      [{spiffeId: 'spiffe://example.org'}, 'SPIFFE ID spiffe://example.org has no path: an SVID needs a workload path'],
      [{ttlMs: 0}, 'ttl must be positive, got 0 ms'],
      [{dnsSans: ['bad name']}, 'invalid DNS SAN "bad name"'],
      [{publicKey: Buffer.from('3003020101', 'hex')}, 'public key is not a valid PKIX (SubjectPublicKeyInfo) DER key: expected AlgorithmIdentifier'],
      [{publicKey: offCurve}, 'public key is not a valid PKIX (SubjectPublicKeyInfo) DER key: the P-256 point is not on the curve (or not uncompressed)'],
      [{publicKey: weakRsa}, 'public key is not a valid PKIX (SubjectPublicKeyInfo) DER key: RSA modulus of 1024 bits is below 2048'],
      [{publicKey: Buffer.concat([generateP256KeyDer().spki, Buffer.from([0])])}, 'public key is not a valid PKIX (SubjectPublicKeyInfo) DER key: trailing data'],
    ]
    for (const [overrides, message] of cases) {
      await assert.rejects(svid(overrides), (err: unknown) => err instanceof BadParameterError && err.message === message, message)
    }
    await assert.rejects(svid({spiffeId: 'spiffe://example.org/a//b'}), (err: unknown) => err instanceof SpiffeIdError && err.code === 'SPIFFEID_EMPTY_SEGMENT')
  })
})

describe('generateP256KeyDer', () => {
  it('writes SPKI and PKCS#8 that node and openssl read as one key pair', () => {
    for (let i = 0; i < 20; i++) {
      const {spki, pkcs8} = generateP256KeyDer()
      const priv = createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'})
      assert.equal(priv.asymmetricKeyDetails?.namedCurve, 'prime256v1')
      assert.ok(createPublicKey(priv).equals(createPublicKey({key: spki, format: 'der', type: 'spki'})))
    }
    const {pkcs8} = generateP256KeyDer()
    const r = openssl(['pkey', '-inform', 'DER', '-check', '-noout'], pkcs8)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /Key is valid/)
    assert.equal(der.encode(der.node(der.TAG.SEQUENCE)).length, 2)
  })
})
