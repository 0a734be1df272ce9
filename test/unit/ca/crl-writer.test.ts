import assert from 'node:assert/strict'
import {webcrypto} from 'node:crypto'
import {describe, it} from 'node:test'
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import type {CaKeyPair} from '../../../src/lib/ca/ca-keypair.js'
import {signCrlDer, type CrlSpec} from '../../../src/lib/ca/fast-leaf/crl.js'
import * as der from '../../../src/lib/ca/fast-leaf/der.js'
import {fixedClock, sharedCa} from '../../helpers/pki.js'
import {openssl} from '../../helpers/openssl.js'

const NOW = new Date('2026-01-15T12:00:00.250Z')
const SPEC: CrlSpec = {
  thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 3600_000), number: BigInt(NOW.getTime()),
  entries: [{serial: Buffer.from('0a1b2c', 'hex'), revokedAt: new Date('2026-01-10T08:00:00Z')}, {serial: Buffer.from('7f00ee', 'hex'), revokedAt: new Date('2026-01-11T09:30:00Z')}],
}

/** The same CRL from the library's generator (what authority/crl.ts used before the hand-written writer). */
async function libraryCrl(pair: CaKeyPair, spec: CrlSpec): Promise<Buffer> {
  const rsa = pair.keyType === 'rsa-2048'
  const importAlg = rsa ? {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'} : {name: 'ECDSA', namedCurve: 'P-256'}
  const signingAlgorithm = rsa ? {name: 'RSASSA-PKCS1-v1_5'} : {name: 'ECDSA', hash: 'SHA-256'}
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pair.privateKey.export({type: 'pkcs8', format: 'der'}), importAlg, false, ['sign'])
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.X509Certificate(pair.certDer).subjectName, thisUpdate: spec.thisUpdate, nextUpdate: spec.nextUpdate,
    entries: spec.entries.map((e) => ({serialNumber: Buffer.from(e.serial).toString('hex'), revocationDate: e.revokedAt})),
    signingAlgorithm, signingKey,
    extensions: [new x509.Extension('2.5.29.20', false, der.unsignedInteger(spec.number)), new x509.AuthorityKeyIdentifierExtension(pair.info.subjectKeyId!.toString('hex'))],
  }, webcrypto)
  return Buffer.from(crl.rawData)
}

/** What a verifier reads from a CRL (the library's view). */
function view(crl: Buffer) {
  const x = new x509.X509Crl(crl)
  return {
    issuer: Buffer.from(x.issuerName.toArrayBuffer()), thisUpdate: x.thisUpdate, nextUpdate: x.nextUpdate, signatureAlgorithm: x.signatureAlgorithm,
    entries: x.entries.map((e) => ({serial: e.serialNumber, revokedAt: e.revocationDate})),
    extensions: x.extensions.map((e) => ({oid: e.type, critical: e.critical, value: Buffer.from(e.value)})),
  }
}

describe('signCrlDer (RFC 5280 §5.1)', () => {
  it('writes the bytes the library writes for an empty CRL (RSA: deterministic signatures)', async () => {
    const {spiffeCa} = await sharedCa({now: fixedClock('2026-01-14T12:00:00Z'), x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})
    const spec = {...SPEC, entries: []}
    assert.deepEqual(signCrlDer(spiffeCa, spec), await libraryCrl(spiffeCa, spec))
  })

  it('with entries: the library reads the same as from its own CRL; the signature verifies with the CA', async () => {
    // Not byte-equal: the library writes an empty crlEntryExtensions for each entry, which RFC 5280's
    // SIZE (1..MAX) does not allow; this writer leaves it out.
    for (const opts of [{}, {x509KeyType: 'rsa-2048' as const, jwtKeyType: 'ecdsa-p256' as const}]) {
      const {spiffeCa} = await sharedCa({now: fixedClock('2026-01-14T12:00:00Z'), ...opts})
      const crl = signCrlDer(spiffeCa, SPEC)
      assert.deepEqual(view(crl), view(await libraryCrl(spiffeCa, SPEC)))
      assert.ok(await new x509.X509Crl(crl).verify({publicKey: new x509.X509Certificate(spiffeCa.certDer)}, webcrypto))
    }
  })

  it('lists a serial with its top bit set as the positive INTEGER the certificate carries (openssl reads it back)', async () => {
    const {spiffeCa} = await sharedCa({now: fixedClock('2026-01-14T12:00:00Z')})
    const crl = signCrlDer(spiffeCa, {...SPEC, entries: [{serial: Buffer.from('c0ffee', 'hex'), revokedAt: NOW}]})
    assert.ok(crl.includes(Buffer.from('020400c0ffee', 'hex')), 'INTEGER 0x00c0ffee')
    const text = openssl(['crl', '-inform', 'DER', '-noout', '-text'], crl)
    assert.equal(text.status, 0, text.stderr)
    assert.match(text.stdout, /Serial Number: C0FFEE/)
    assert.match(text.stdout, /X509v3 CRL Number:/)
  })
})
