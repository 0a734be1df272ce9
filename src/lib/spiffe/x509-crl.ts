/**
 * Revocation for X509Svid.verify: go-spiffe ignores CRLs (spiffe/go-spiffe#329), but the Workload
 * API carries them (workload.proto's `crl` fields) and our cluster signs them (authority/crl.ts).
 * A CRL counts for a certificate when its signature verifies with the key of the certificate's
 * issuer in the verified chain (RFC 5280 §6.3.3, with the issuer's name and key); others are ignored
 * (another CA's, during a rotation). Parsed with @peculiar/x509.
 */
import type {X509Certificate} from 'node:crypto'
import {webcrypto} from 'node:crypto'
import {x509Library} from '../ca/x509-library.js'

/** The serial of the first certificate in `chain` (leaf first) that a CRL signed by its issuer lists, if any. */
export async function revokedInChain(chain: readonly X509Certificate[], crlDers: readonly Uint8Array[]): Promise<string | undefined> {
  if (crlDers.length === 0) return undefined
  const x509 = x509Library()
  const crls = crlDers.map((der) => new x509.X509Crl(Buffer.from(der)))
  for (let i = 0; i + 1 < chain.length; i++) {
    const issuer = new x509.X509Certificate(chain[i + 1]!.raw)
    const serial = new x509.X509Certificate(chain[i]!.raw).serialNumber
    for (const crl of crls) {
      if (crl.findRevoked(serial) === null) continue
      if (await crl.verify({publicKey: issuer}, webcrypto).catch(() => false)) return serial.toLowerCase().replace(/^0+(?=.)/, '')
    }
  }
  return undefined
}
