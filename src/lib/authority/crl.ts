/**
 * Certificate revocation lists for X.509-SVIDs (Teleport's workload_identity_x509_revocation and its
 * revocation service, lib/auth/machineid/workloadidentityv1/revocation_service.go): one CRL per
 * trusted SPIFFE CA (two during a rotation), signed by that CA, listing every revocation not yet
 * expired. Built with @peculiar/x509 (X509CrlGenerator); RFC 5280 §5.
 */
import {createHash, webcrypto} from 'node:crypto'
import type {CaKeyPair} from '../ca/ca-keypair.js'
import type {CaMaterial} from '../ca/ca-material.js'
import {x509Library} from '../ca/x509-library.js'
import {toPem} from '../ca/pem.js'
import type {WorkloadIdentityX509Revocation} from '../resources/x509-revocation.js'

/** How long a CRL says it is good for; it is re-signed well before (crl-source.ts). */
export const CRL_VALIDITY_MS = 60 * 60_000

function algorithms(pair: CaKeyPair): {importAlg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; signAlg: webcrypto.Algorithm | webcrypto.EcdsaParams} {
  return pair.keyType === 'rsa-2048'
    ? {importAlg: {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, signAlg: {name: 'RSASSA-PKCS1-v1_5'}}
    : {importAlg: {name: 'ECDSA', namedCurve: 'P-256'}, signAlg: {name: 'ECDSA', hash: 'SHA-256'} as webcrypto.EcdsaParams}
}

/** The revocations in force at `now` (not expired), with a positive serial (a CRL cannot list others). */
export function revocationsInForce(revocations: readonly WorkloadIdentityX509Revocation[], now: Date): WorkloadIdentityX509Revocation[] {
  return revocations.filter((r) => !r.metadata.name.startsWith('-') && (r.metadata.expires === undefined || new Date(r.metadata.expires) > now))
}

/** One CRL (DER) signed by `pair`. */
export async function signCrl(pair: CaKeyPair, revocations: readonly WorkloadIdentityX509Revocation[], now: Date, number: bigint): Promise<Buffer> {
  const x509 = x509Library()
  const {importAlg, signAlg} = algorithms(pair)
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pair.privateKey.export({type: 'pkcs8', format: 'der'}), importAlg, false, ['sign'])
  const extensions = [new x509.Extension('2.5.29.20', false, crlNumberDer(number))]
  if (pair.info.subjectKeyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(pair.info.subjectKeyId.toString('hex')))
  const crl = await x509.X509CrlGenerator.create({
    // The issuer's name as encoded in its certificate, so that verifiers match it byte for byte.
    issuer: new x509.X509Certificate(pair.certDer).subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS),
    entries: revocations.map((r) => ({serialNumber: evenHex(r.metadata.name), revocationDate: new Date(r.spec.revoked_at)})),
    signingAlgorithm: signAlg,
    signingKey,
    extensions,
  }, webcrypto)
  return Buffer.from(crl.rawData)
}

/** CRLNumber ::= INTEGER (RFC 5280 §5.2.3), DER. */
function crlNumberDer(n: bigint): Buffer {
  let hex = n.toString(16)
  if (hex.length % 2 === 1) hex = '0' + hex
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex
  const body = Buffer.from(hex, 'hex')
  return Buffer.concat([Buffer.from([0x02, body.length]), body])
}

function evenHex(hex: string): string {
  return hex.length % 2 === 1 ? '0' + hex : hex
}

/** One CRL per trusted SPIFFE CA (the signing one first). */
export async function signCrls(ca: CaMaterial, revocations: readonly WorkloadIdentityX509Revocation[], now: Date): Promise<Buffer[]> {
  const inForce = revocationsInForce(revocations, now)
  const number = BigInt(now.getTime())
  return Promise.all(ca.spiffeTrusted.map((pair) => signCrl(pair, inForce, now, number)))
}

/** What the CRLs say, independent of when they were signed: changes when a revocation or a CA does. */
export function crlContentKey(ca: CaMaterial, revocations: readonly WorkloadIdentityX509Revocation[], now: Date): string {
  const hash = createHash('sha256')
  for (const pair of ca.spiffeTrusted) hash.update(pair.certDer)
  for (const r of revocationsInForce(revocations, now).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) hash.update(`${r.metadata.name}/${r.spec.revoked_at}\n`)
  return hash.digest('hex')
}

export function crlPem(der: Uint8Array): string {
  return toPem('X509 CRL', der)
}
