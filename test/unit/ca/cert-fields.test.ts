import assert from 'node:assert/strict'
import {X509Certificate, createHash} from 'node:crypto'
import {describe, it} from 'node:test'
import {certFields, readCertificate} from '../../../src/lib/ca/cert-fields.js'
import {generateP256KeyDer} from '../../../src/lib/ca/fast-leaf/fast-keygen.js'
import {KEY_USAGE, OID} from '../../../src/lib/ca/oids.js'
import {issueServerCert, issueX509Svid} from '../../../src/lib/ca/profiles.js'
import {caPin, subjectPublicKeyInfo} from '../../../src/lib/net/ca-pin.js'
import {fixedClock, sharedCa} from '../../helpers/pki.js'
import {openssl} from '../../helpers/openssl.js'

const NOW = fixedClock('2026-01-15T12:00:00Z')

/** The SPKI DER openssl extracts from a certificate: an independent reader to compare with. */
function opensslSpki(der: Uint8Array): Buffer {
  const pem = openssl(['x509', '-inform', 'DER', '-noout', '-pubkey'], Buffer.from(der))
  assert.equal(pem.status, 0, pem.stderr)
  const body = pem.stdout.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
  return Buffer.from(body, 'base64')
}

describe('certFields (@peculiar/x509)', () => {
  it('reads an X.509-SVID as issued: SANs, usages, constraints, key ids, validity, serial', async () => {
    const {spiffeCa} = await sharedCa({now: NOW})
    const issued = issueX509Svid({ca: spiffeCa, publicKey: generateP256KeyDer().spki, spiffeId: 'spiffe://example.org/svc/web', dnsSans: ['web.internal'], ttlMs: 3600_000, now: NOW})
    const f = certFields(issued.der)
    assert.deepEqual(f.uris, ['spiffe://example.org/svc/web'])
    assert.deepEqual(f.dnsNames, ['web.internal'])
    assert.equal(f.keyUsage, KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment | KEY_USAGE.keyAgreement)
    assert.deepEqual(f.extKeyUsage, [OID.serverAuth, OID.clientAuth])
    assert.ok(f.basicConstraintsValid && !f.isCA && f.maxPathLen === undefined)
    assert.deepEqual(f.authorityKeyId, spiffeCa.info.subjectKeyId)
    assert.equal(f.serial, issued.serial)
    assert.equal(f.notBefore.getTime(), issued.notBefore.getTime())
    assert.equal(f.notAfter.getTime(), issued.notAfter.getTime())
    assert.ok(f.extensions.some((e) => e.oid === OID.subjectAltName && e.critical), 'empty subject: critical SAN')
    assert.ok(spiffeCa.info.isCA && (spiffeCa.info.keyUsage & KEY_USAGE.keyCertSign) !== 0)
  })

  it('reads IP SANs and the subject, and caches per X509Certificate', async () => {
    const {botCa} = await sharedCa({now: NOW})
    const issued = issueServerCert({ca: botCa, publicKey: generateP256KeyDer().spki, hosts: ['proxy.example.org', '127.0.0.1', '::1'], ttlMs: 3600_000, now: NOW})
    const cert = new X509Certificate(issued.der)
    const f = certFields(cert)
    assert.deepEqual(f.dnsNames, ['proxy.example.org'])
    assert.deepEqual(f.ipAddresses.length, 2)
    assert.equal(f.ipAddresses[0], '127.0.0.1')
    assert.equal(f.subject.commonName, 'proxy.example.org')
    assert.equal(readCertificate(cert).fields, f)
  })

  it('refuses DER with anything after the certificate', async () => {
    const {spiffeCa} = await sharedCa({now: NOW})
    assert.throws(() => readCertificate(Buffer.concat([spiffeCa.certDer, Buffer.from([0x05, 0x00])])), /data after the certificate/)
  })
})

describe('caPin / subjectPublicKeyInfo read the SPKI exactly as encoded', () => {
  it('agrees with openssl for ECDSA and RSA CAs', async () => {
    for (const ca of [(await sharedCa({now: NOW})).spiffeCa, (await sharedCa({now: NOW, x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})).spiffeCa]) {
      const spki = opensslSpki(ca.certDer)
      assert.deepEqual(subjectPublicKeyInfo(new X509Certificate(ca.certDer)), spki)
      assert.equal(caPin(ca.certPem), 'sha256:' + createHash('sha256').update(spki).digest('hex'))
    }
  })
})
