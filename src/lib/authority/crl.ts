/**
 * Certificate revocation lists for X.509-SVIDs (Teleport's workload_identity_x509_revocation and its
 * revocation service, lib/auth/machineid/workloadidentityv1/revocation_service.go): one CRL per
 * trusted SPIFFE CA (two during a rotation), signed by that CA, listing every revocation not yet
 * expired. Written by ../ca/fast-leaf/crl.ts; RFC 5280 §5.
 */
import {createHash} from 'node:crypto'
import type {CaKeyPair} from '../ca/ca-keypair.js'
import type {CaMaterial} from '../ca/ca-material.js'
import {signCrlDer} from '../ca/fast-leaf/crl.js'
import {toPem} from '../ca/pem.js'
import type {WorkloadIdentityX509Revocation} from '../resources/x509-revocation.js'

/** How long a CRL says it is good for; it is re-signed well before (crl-source.ts). */
export const CRL_VALIDITY_MS = 60 * 60_000

/** The revocations in force at `now` (not expired), with a positive serial (a CRL cannot list others). */
export function revocationsInForce(revocations: readonly WorkloadIdentityX509Revocation[], now: Date): WorkloadIdentityX509Revocation[] {
  return revocations.filter((r) => !r.metadata.name.startsWith('-') && (r.metadata.expires === undefined || new Date(r.metadata.expires) > now))
}

/** One CRL (DER) signed by `pair`. */
export async function signCrl(pair: CaKeyPair, revocations: readonly WorkloadIdentityX509Revocation[], now: Date, number: bigint): Promise<Buffer> {
  return signCrlDer(pair, {
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS),
    number,
    entries: revocations.map((r) => ({serial: Buffer.from(evenHex(r.metadata.name), 'hex'), revokedAt: new Date(r.spec.revoked_at)})),
  })
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
