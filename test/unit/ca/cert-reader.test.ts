import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import {webcrypto} from 'node:crypto'
import {certFields, issuedCertFields} from '../../../src/lib/ca/cert-fields.js'
import {issueClientCert} from '../../../src/lib/ca/client-identity.js'
import {readCertFieldsDer} from '../../../src/lib/ca/fast-leaf/cert-reader.js'
import {DerError} from '../../../src/lib/ca/fast-leaf/der-reader.js'
import {generateP256KeyDer} from '../../../src/lib/ca/fast-leaf/fast-keygen.js'
import {issueServerCert, issueX509Svid} from '../../../src/lib/ca/profiles.js'
import {fixedClock, makeIntermediateCa, makeRootCa, makeServerCert, makeSvid, makeTrustDomainCa, newKeyPair, sharedCa} from '../../helpers/pki.js'

const NOW = fixedClock('2026-01-15T12:00:00Z')
const ALG = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const

/** A certificate with the forms our CA never writes: PrintableString names, GeneralizedTime, pathLen, e-mail SAN, full AKI. */
async function unusualCert(): Promise<Buffer> {
  const keys = await newKeyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '00ff01', name: new x509.Name([{CN: [{printableString: 'Unusual CA'}]}, {O: ['Org One', 'Org Two']}, {OU: [{ia5String: 'unit'}]}]),
    notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2061-06-30T23:59:59Z'), keys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 3, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.decipherOnly, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, '1.3.6.1.4.1.311.10.3.4']),
      new x509.SubjectAlternativeNameExtension([
        {type: 'email', value: 'ca@example.org'}, {type: 'ip', value: '2001:db8::1:0:0:1'}, {type: 'ip', value: '2001:db8:0:1:1:1:1:1'},
        {type: 'ip', value: 'fe80::'}, {type: 'dns', value: 'ca.example.org'}, {type: 'url', value: 'spiffe://example.org'},
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
    ],
  }, webcrypto)
  return Buffer.from(cert.rawData)
}

describe('readCertFieldsDer agrees with @peculiar/x509 (certFields)', () => {
  it('on the CA certificates and every leaf profile this CA writes', async () => {
    const certs: Buffer[] = []
    for (const opts of [{now: NOW}, {now: NOW, x509KeyType: 'rsa-2048' as const, jwtKeyType: 'ecdsa-p256' as const}]) {
      const {spiffeCa, botCa} = await sharedCa(opts)
      const key = generateP256KeyDer().spki
      certs.push(spiffeCa.certDer, botCa.certDer)
      certs.push(issueX509Svid({ca: spiffeCa, publicKey: key, spiffeId: 'spiffe://example.org/svc/web', dnsSans: ['web.internal'], ttlMs: 3600_000, now: NOW}).der)
      certs.push(issueServerCert({ca: botCa, publicKey: key, hosts: ['proxy.example.org', '127.0.0.1', '::1', '2001:db8::42'], ttlMs: 3600_000, now: NOW}).der)
      certs.push(issueClientCert({ca: botCa, publicKey: key, userName: 'bot-ci', roles: ['bot-ci', 'access'], botName: 'ci', joinAttrs: {meta: {join_token_name: 'x'.repeat(300)}}, ttlMs: 3600_000, now: NOW}).der)
      certs.push(issueClientCert({ca: botCa, publicKey: key, userName: 'alice', roles: [], ttlMs: 3600_000, now: NOW}).der)
    }
    for (const cert of certs) assert.deepEqual(readCertFieldsDer(cert), certFields(cert))
  })

  it('on certificates made by the library, including forms our CA never writes', async () => {
    const root = await makeRootCa('root')
    const intermediate = await makeIntermediateCa('intermediate', root)
    const certs = [root.der, intermediate.der, (await makeServerCert(intermediate, {ips: ['10.0.0.1', '::ffff:1.2.3.4']})).der,
      (await makeSvid(await makeTrustDomainCa(), 'spiffe://example.teleport.sh/x')).der, await unusualCert()]
    for (const cert of certs) assert.deepEqual(readCertFieldsDer(cert), certFields(cert))
  })
})

describe('issuedCertFields', () => {
  it('leaves what the reader does not know (an otherName SAN) to the library', async () => {
    const keys = await newKeyPair()
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01', name: 'CN=upn', keys, signingAlgorithm: ALG, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z'),
      extensions: [new x509.SubjectAlternativeNameExtension([{type: 'upn', value: 'someone@example.org'}, {type: 'dns', value: 'upn.example.org'}])],
    }, webcrypto)
    const der = Buffer.from(cert.rawData)
    assert.throws(() => readCertFieldsDer(der), DerError)
    assert.deepEqual(issuedCertFields(der), certFields(der))
    assert.deepEqual(issuedCertFields(der).dnsNames, ['upn.example.org'])
  })

  it('reports malformed DER in the library words, and refuses data after the certificate', async () => {
    assert.throws(() => issuedCertFields(Buffer.from('3000', 'hex')), (e: unknown) => !(e instanceof DerError))
    const {spiffeCa} = await sharedCa({now: NOW})
    assert.throws(() => readCertFieldsDer(Buffer.concat([spiffeCa.certDer, Buffer.from([0x05, 0x00])])), /data after the certificate/)
    assert.throws(() => issuedCertFields(Buffer.concat([spiffeCa.certDer, Buffer.from([0x05, 0x00])])), /data after the certificate/)
  })
})
