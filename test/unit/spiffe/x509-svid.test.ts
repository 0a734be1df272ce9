import assert from 'node:assert/strict'
import {X509Certificate, createPrivateKey} from 'node:crypto'
import {describe, it} from 'node:test'
import {caKeyPair, type CaKeyPair} from '../../../src/lib/ca/ca-keypair.js'
import {certFields} from '../../../src/lib/ca/cert-fields.js'
import * as der from '../../../src/lib/ca/fast-leaf/der.js'
import {generateP256KeyDer} from '../../../src/lib/ca/fast-leaf/fast-keygen.js'
import {KEY_USAGE_BIT, OID} from '../../../src/lib/ca/oids.js'
import {toPem} from '../../../src/lib/ca/pem.js'
import {issueX509Svid} from '../../../src/lib/ca/profiles.js'
import {EMPTY_NAME, encodeName, extension, randomSerial, signLeaf} from '../../../src/lib/ca/fast-leaf/x509-leaf.js'
import {BadParameterError, UnauthenticatedError} from '../../../src/lib/errors.js'
import {BundleSet, X509Bundle} from '../../../src/lib/spiffe/bundle.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {X509Svid, idFromCert} from '../../../src/lib/spiffe/x509-svid.js'
import {opensslVerify} from '../../helpers/openssl.js'
import {fixedClock, sharedCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

const TD = TrustDomain.parse('example.org')
const NOW = fixedClock('2026-01-15T12:00:00Z')
const CA_TIME = fixedClock('2026-01-14T12:00:00Z')
const ca = () => sharedCa({now: CA_TIME})

interface Crafted {
  readonly der: Buffer
  readonly pkcs8: Buffer
}

interface CraftOptions {
  readonly uris?: readonly string[]
  readonly keyUsage?: readonly number[]
  readonly isCA?: boolean
  readonly pathLen?: number
  readonly subject?: string
  readonly hours?: readonly [number, number]
}

/** Any certificate the tests need, good or bad, on the same fast leaf path the CA uses. */
function craft(signer: CaKeyPair, o: CraftOptions = {}): Crafted {
  const key = generateP256KeyDer()
  const [from, to] = o.hours ?? [-1, 1]
  const bc = o.isCA ? der.sequence(der.boolean(true), ...(o.pathLen === undefined ? [] : [der.unsignedInteger(o.pathLen)])) : der.sequence()
  const extensions = [
    extension(OID.keyUsage, true, der.namedBits(o.keyUsage ?? [KEY_USAGE_BIT.digitalSignature])),
    extension(OID.basicConstraints, true, bc),
  ]
  const uris = o.uris ?? ['spiffe://example.org/workload']
  if (uris.length > 0) extensions.push(extension(OID.subjectAltName, o.subject === undefined, der.sequence(...uris.map((u) => der.implicitPrimitive(6, Buffer.from(u))))))
  const t = NOW().getTime()
  const certDer = signLeaf(signer, {
    spki: key.spki,
    serial: randomSerial(),
    subject: o.subject === undefined ? EMPTY_NAME : encodeName({commonName: o.subject}),
    notBefore: new Date(t + from * 3600_000),
    notAfter: new Date(t + to * 3600_000),
    extensions,
  })
  return {der: certDer, pkcs8: key.pkcs8}
}

function intermediate(root: CaKeyPair, o: CraftOptions = {}): CaKeyPair {
  const c = craft(root, {isCA: true, keyUsage: [KEY_USAGE_BIT.keyCertSign, KEY_USAGE_BIT.cRLSign], uris: ['spiffe://example.org'], subject: 'intermediate', hours: [-24, 24], ...o})
  return caKeyPair(c.der, createPrivateKey({key: c.pkcs8, format: 'der', type: 'pkcs8'}))
}

const pem = (...ders: Uint8Array[]) => ders.map((d) => toPem('CERTIFICATE', d)).join('')
const keyPem = (pkcs8: Buffer) => toPem('PRIVATE KEY', pkcs8)

function issue(signer: CaKeyPair) {
  const key = generateP256KeyDer()
  const cert = issueX509Svid({ca: signer, publicKey: key.spki, spiffeId: 'spiffe://example.org/svc/web', dnsSans: ['web'], ttlMs: 3600_000, now: NOW})
  return {der: cert.der, pkcs8: key.pkcs8}
}

/** go-spiffe's message exactly, or (a RegExp) go-spiffe's prefix with a library's reason. */
function matches(actual: string, expected: string | RegExp): void {
  if (typeof expected === 'string') assert.equal(actual, expected)
  else assert.match(actual, expected)
}

function parseFails(certPem: string, kPem: string, message: string | RegExp): void {
  assert.throws(() => X509Svid.parse(certPem, kPem), (e: unknown) => {
    assert.ok(e instanceof BadParameterError, String(e))
    matches(e.message, message)
    return true
  })
}

describe('X509Svid.parse / parseRaw', () => {
  it('accepts an SVID the CA issued, alone or with its intermediate', async () => {
    const {spiffeCa} = await ca()
    const leaf = issue(spiffeCa)
    const svid = X509Svid.parse(pem(leaf.der), keyPem(leaf.pkcs8))
    assert.equal(svid.id.toString(), 'spiffe://example.org/svc/web')
    assert.equal(svid.certificates.length, 1)
    assert.deepEqual(svid.leaf.raw, leaf.der)
    const inter = intermediate(spiffeCa)
    const chained = issue(inter)
    const svid2 = X509Svid.parse(pem(chained.der, inter.certDer), keyPem(chained.pkcs8))
    assert.equal(svid2.certificates.length, 2)
    const raw = svid2.marshalRaw()
    assert.deepEqual(raw.certificates, Buffer.concat([chained.der, inter.certDer]))
    const again = X509Svid.parseRaw(raw.certificates, raw.privateKey)
    assert.ok(again.id.equals(svid2.id))
    const marshalled = svid2.marshal()
    assert.equal(marshalled.certificates, pem(chained.der, inter.certDer))
    assert.ok(X509Svid.parse(marshalled.certificates, marshalled.privateKey).privateKey.equals(svid2.privateKey))
    assert.equal(svid.withHint('internal').hint, 'internal')
  })

  it('fails with go-spiffe\'s messages, check for check', async () => {
    const {spiffeCa} = await ca()
    const good = issue(spiffeCa)
    const k = keyPem(good.pkcs8)
    const c = (o: CraftOptions) => {
      const x = craft(spiffeCa, o)
      return [pem(x.der), keyPem(x.pkcs8)] as const
    }
    const prefix = 'x509svid: certificate validation failed: '
    parseFails('', k, 'x509svid: cannot parse PEM encoded certificate: no PEM blocks found')
    parseFails('garbage', k, 'x509svid: cannot parse PEM encoded certificate: no PEM blocks found')
    parseFails(pem(good.der), '', 'x509svid: cannot parse PEM encoded private key: no PEM blocks found')
    parseFails(pem(Buffer.from('3003020101', 'hex')), k, /^x509svid: cannot parse PEM encoded certificate: malformed certificate: .*ASN1/)
    parseFails(keyPem(good.pkcs8), k, prefix + 'no certificates found')
    parseFails(pem(good.der), toPem('EC PRIVATE KEY', Buffer.from('00', 'hex')), 'x509svid: private key validation failed: no private key found')
    parseFails(pem(good.der), toPem('PRIVATE KEY', Buffer.from('3000', 'hex')), /^x509svid: cannot parse PEM encoded private key: \S/)
    parseFails(...c({uris: []}), prefix + 'cannot get leaf certificate SPIFFE ID: certificate contains no URI SAN')
    parseFails(...c({uris: ['spiffe://example.org/a', 'spiffe://example.org/b']}), prefix + 'cannot get leaf certificate SPIFFE ID: certificate contains more than one URI SAN')
    parseFails(...c({uris: ['sparfe://example.org/a']}), prefix + 'cannot get leaf certificate SPIFFE ID: scheme is missing or invalid')
    parseFails(...c({uris: ['spiffe://example.org']}), prefix + 'leaf certificate SPIFFE ID must have a non-root path')
    parseFails(...c({isCA: true}), prefix + 'leaf certificate must not have CA flag set to true')
    parseFails(...c({keyUsage: [KEY_USAGE_BIT.keyEncipherment]}), prefix + "leaf certificate must have 'digitalSignature' set as key usage")
    parseFails(...c({keyUsage: [KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.keyCertSign]}), prefix + "leaf certificate must not have 'keyCertSign' set as key usage")
    parseFails(...c({keyUsage: [KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.cRLSign]}), prefix + "leaf certificate must not have 'cRLSign' set as key usage")
    const notCa = craft(spiffeCa, {uris: ['spiffe://example.org/other']})
    parseFails(pem(good.der, notCa.der), k, prefix + 'signing certificate must have CA flag set to true')
    const noCertSign = craft(spiffeCa, {isCA: true, keyUsage: [KEY_USAGE_BIT.digitalSignature]})
    parseFails(pem(good.der, noCertSign.der), k, prefix + "signing certificate must have 'keyCertSign' set as key usage")
    parseFails(pem(good.der), keyPem(generateP256KeyDer().pkcs8), 'x509svid: private key validation failed: leaf certificate does not match private key')
  })

  it('parseRaw reports DER problems', async () => {
    const {spiffeCa} = await ca()
    const good = issue(spiffeCa)
    assert.throws(() => X509Svid.parseRaw(Buffer.from('30030201', 'hex'), good.pkcs8), {message: /^x509svid: cannot parse DER encoded certificate: malformed certificate: \S/})
    assert.throws(() => X509Svid.parseRaw(Buffer.concat([good.der, Buffer.from('30', 'hex')]), good.pkcs8), {message: /^x509svid: cannot parse DER encoded certificate: malformed certificate: /})
    assert.throws(() => X509Svid.parseRaw(good.der, Buffer.from('3000', 'hex')), {message: /^x509svid: cannot parse DER encoded private key: \S/})
    assert.throws(() => X509Svid.parseRaw(Buffer.alloc(0), good.pkcs8), {message: 'x509svid: certificate validation failed: no certificates found'})
  })
})

function verifyFails(certs: readonly Uint8Array[], source: X509Bundle | BundleSet, message: string | RegExp, now = NOW): Promise<void> {
  return assert.rejects(X509Svid.verify(certs, source, {now}), (e: unknown) => {
    assert.ok(e instanceof UnauthenticatedError, String(e))
    matches(e.message, message)
    return true
  })
}

describe('X509Svid.verify', () => {
  it('verifies leaf-only and intermediate chains to the bundle root, as openssl does', async () => {
    const {spiffeCa} = await ca()
    const bundle = X509Bundle.fromX509Authorities(TD, [spiffeCa.certDer])
    const leaf = issue(spiffeCa)
    const r = await X509Svid.verify([leaf.der], bundle, {now: NOW})
    assert.equal(r.id.toString(), 'spiffe://example.org/svc/web')
    assert.deepEqual(r.chains.map((ch) => ch.map((c) => c.subject)), [[undefined, 'O=example.org\nCN=example.org']])
    const inter = intermediate(spiffeCa)
    const chained = issue(inter)
    const r2 = await X509Svid.parseAndVerify([chained.der, inter.certDer], new BundleSet([bundle]), {now: NOW})
    assert.equal(r2.chains[0]!.length, 3)
    assert.ok(r2.chains[0]![2]!.raw.equals(spiffeCa.certDer))
    const v = opensslVerify(tempDir(), [spiffeCa.certDer], chained.der, {untrusted: [inter.certDer], at: NOW()})
    assert.equal(v.status, 0, v.stderr)
  })

  it('rejects bad leaves before looking at the bundle', async () => {
    const {spiffeCa} = await ca()
    const bundle = X509Bundle.fromX509Authorities(TD, [spiffeCa.certDer])
    await verifyFails([], bundle, 'x509svid: empty certificates chain')
    await verifyFails([craft(spiffeCa, {uris: []}).der], bundle, 'x509svid: could not get leaf SPIFFE ID: certificate contains no URI SAN')
    await verifyFails([craft(spiffeCa, {uris: ['spiffe://EXAMPLE.org/x']}).der], bundle, 'x509svid: could not get leaf SPIFFE ID: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores')
    await verifyFails([craft(spiffeCa, {isCA: true}).der], bundle, 'x509svid: leaf certificate with CA flag set to true')
    await verifyFails([craft(spiffeCa, {keyUsage: [0, KEY_USAGE_BIT.keyCertSign]}).der], bundle, 'x509svid: leaf certificate with KeyCertSign key usage')
    await verifyFails([craft(spiffeCa, {keyUsage: [0, KEY_USAGE_BIT.cRLSign]}).der], bundle, 'x509svid: leaf certificate with KeyCrlSign key usage')
    await assert.rejects(X509Svid.parseAndVerify([Buffer.from('3000', 'hex')], bundle), {message: /^x509svid: unable to parse certificate: malformed certificate: .*ASN1/})
  })

  it('uses only the bundle of the leaf\'s trust domain', async () => {
    const {spiffeCa} = await ca()
    const leaf = issue(spiffeCa)
    const otherTd = X509Bundle.fromX509Authorities(TrustDomain.parse('other.org'), [spiffeCa.certDer])
    await verifyFails([leaf.der], otherTd, 'x509svid: could not get X509 bundle: x509bundle: no X.509 bundle found for trust domain: "example.org"')
    await verifyFails([leaf.der], new BundleSet([otherTd]), 'x509svid: could not get X509 bundle: spiffebundle: no X.509 bundle for trust domain "example.org"')
  })

  it('rejects foreign, tampered, expired and broken chains', async () => {
    const {spiffeCa} = await ca()
    const bundle = X509Bundle.fromX509Authorities(TD, [spiffeCa.certDer])
    const leaf = issue(spiffeCa)
    const prefix = 'x509svid: could not verify leaf certificate: '
    const unknown = (serialOf: Uint8Array) =>
      `${prefix}certificate signed by unknown authority: no bundle authority or intermediate issued the certificate with serial ${new X509Certificate(serialOf).serialNumber.toLowerCase().replace(/^0+/, '')} with a signature that verifies`
    // Another CA for the same cluster name: same subject, so its leaves name the bundle CA as issuer.
    const twin = await sharedCa({now: CA_TIME, clusterName: 'example.org', jwtKeyType: 'ecdsa-p256'})
    const twinLeaf = issue(twin.spiffeCa).der
    await verifyFails([twinLeaf], bundle, unknown(twinLeaf))
    const stranger = await sharedCa({now: CA_TIME, clusterName: 'stranger.org'})
    const strangerLeaf = craft(stranger.spiffeCa).der
    await verifyFails([strangerLeaf], bundle, unknown(strangerLeaf))
    const tampered = Buffer.from(leaf.der)
    tampered[tampered.length - 5]! ^= 0x01
    await verifyFails([tampered], bundle, unknown(tampered))
    await verifyFails([leaf.der], bundle, prefix + 'certificate with serial ' + new X509Certificate(leaf.der).serialNumber.toLowerCase().replace(/^0+/, '') +
      ' has expired: 2026-01-15T13:00:01.000Z is after its notAfter 2026-01-15T13:00:00.000Z', fixedClock('2026-01-15T13:00:01Z'))
    await verifyFails([leaf.der], bundle, /is not yet valid: 2026-01-15T11:58:59\.000Z is before its notBefore 2026-01-15T11:59:00\.000Z$/, fixedClock('2026-01-15T11:58:59Z'))
    const inter = intermediate(spiffeCa)
    const chained = issue(inter)
    await verifyFails([chained.der], bundle, unknown(chained.der))
    const noPath = intermediate(spiffeCa, {pathLen: 0})
    const deeper = intermediate(noPath, {subject: 'deeper'})
    await verifyFails([issue(deeper).der, deeper.certDer, noPath.certDer], bundle,
      prefix + 'certificate "intermediate" allows 0 intermediate certificates below it; the chain has 1')
    // openssl agrees on each of these.
    assert.notEqual(opensslVerify(tempDir(), [spiffeCa.certDer], tampered, {at: NOW()}).status, 0)
    assert.notEqual(opensslVerify(tempDir(), [spiffeCa.certDer], leaf.der, {at: new Date('2026-01-15T13:00:01Z')}).status, 0)
    assert.notEqual(opensslVerify(tempDir(), [spiffeCa.certDer], issue(deeper).der, {untrusted: [deeper.certDer, noPath.certDer], at: NOW()}).status, 0)
    assert.equal((await X509Svid.verify([leaf.der], bundle, {now: fixedClock('2026-01-15T13:00:00Z')})).id.path, '/svc/web')
  })

  it('refuses an intermediate that is not a CA, may not sign certificates, or is not valid yet', async () => {
    const {spiffeCa} = await ca()
    const bundle = X509Bundle.fromX509Authorities(TD, [spiffeCa.certDer])
    const prefix = 'x509svid: could not verify leaf certificate: '
    // Signers caKeyPair would refuse: the fast leaf path signs with them all the same.
    const signer = (c: Crafted): CaKeyPair => {
      const cert = new X509Certificate(c.der)
      return {certDer: c.der, certPem: toPem('CERTIFICATE', c.der), cert, info: certFields(c.der), privateKey: createPrivateKey({key: c.pkcs8, format: 'der', type: 'pkcs8'}), keyType: 'ecdsa-p256'}
    }
    const craftIssuer = (o: CraftOptions) => craft(spiffeCa, {uris: ['spiffe://example.org'], hours: [-24, 24], ...o})
    const notCa = craftIssuer({subject: 'not-a-ca', keyUsage: [KEY_USAGE_BIT.keyCertSign]})
    await verifyFails([issue(signer(notCa)).der, notCa.der], bundle, prefix + 'certificate "not-a-ca" signed a certificate but is not a CA (basic constraints)')
    assert.notEqual(opensslVerify(tempDir(), [spiffeCa.certDer], issue(signer(notCa)).der, {untrusted: [notCa.der], at: NOW()}).status, 0)
    const noCertSign = craftIssuer({subject: 'no-cert-sign', isCA: true, keyUsage: [KEY_USAGE_BIT.digitalSignature]})
    await verifyFails([issue(signer(noCertSign)).der, noCertSign.der], bundle, prefix + 'certificate "no-cert-sign" signed a certificate but its key usage lacks keyCertSign')
    const early = intermediate(spiffeCa, {subject: 'early', hours: [1, 24]})
    await verifyFails([issue(early).der, early.certDer], bundle,
      prefix + 'certificate "early" is not yet valid: 2026-01-15T12:00:00.000Z is before its notBefore 2026-01-15T13:00:00.000Z')
    assert.notEqual(opensslVerify(tempDir(), [spiffeCa.certDer], issue(early).der, {untrusted: [early.certDer], at: NOW()}).status, 0)
    const good = intermediate(spiffeCa, {subject: 'good'})
    assert.equal((await X509Svid.verify([issue(good).der, good.certDer], bundle, {now: NOW})).chains[0]!.length, 3)
  })

  it('verifies RSA signatures and refuses a broken one', async () => {
    const rsa = await sharedCa({now: CA_TIME, x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})
    const bundle = X509Bundle.fromX509Authorities(TD, [rsa.spiffeCa.certDer])
    const leaf = Buffer.from(issue(rsa.spiffeCa).der)
    assert.equal((await X509Svid.verify([leaf], bundle, {now: NOW})).id.toString(), 'spiffe://example.org/svc/web')
    leaf[leaf.length - 1]! ^= 0x01
    await verifyFails([leaf], bundle, /^x509svid: could not verify leaf certificate: certificate signed by unknown authority: /)
  })
})

describe('idFromCert', () => {
  it('reads the one URI SAN as a SPIFFE ID', async () => {
    const {spiffeCa} = await ca()
    assert.equal(idFromCert(new X509Certificate(issue(spiffeCa).der)).toString(), 'spiffe://example.org/svc/web')
    assert.equal(idFromCert(spiffeCa.certDer).toString(), 'spiffe://example.org')
    assert.throws(() => idFromCert(craft(spiffeCa, {uris: []}).der), {message: 'certificate contains no URI SAN'})
    assert.throws(() => idFromCert(craft(spiffeCa, {uris: ['spiffe://a/b', 'spiffe://a/c']}).der), {message: 'certificate contains more than one URI SAN'})
  })
})
