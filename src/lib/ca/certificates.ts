/**
 * Certificates from PEM, DER and concatenated DER (the Workload API's form), parsed into node's
 * X509Certificate and read once with @peculiar/x509 (cert-fields.ts), so a certificate either of
 * them refuses is refused here. Failures are CertParseError with the library's reason; go-spiffe's
 * callers put their own prefix in front (x509svid, x509bundle).
 */
import {X509Certificate} from 'node:crypto'
import {readCertificate} from './cert-fields.js'
import {decodePemBlocks} from './pem.js'

export class CertParseError extends Error {}

/** One DER certificate, or an X509Certificate from anywhere, that both libraries can read. */
export function parseCertificate(input: X509Certificate | Uint8Array): X509Certificate {
  try {
    return readCertificate(input).cert
  } catch (err) {
    throw new CertParseError(`malformed certificate: ${(err as Error).message}`, {cause: err})
  }
}

/** The length of the first DER certificate in `source` (node reads the first of several). */
function firstCertificateLength(source: Buffer): number {
  try {
    // A SEQUENCE first: node would also take PEM text.
    if (source[0] === 0x30) return new X509Certificate(source).raw.length
  } catch {
    // Fall through: @peculiar/x509 says what is wrong more clearly than OpenSSL's decoder chain.
  }
  parseCertificate(source)
  throw new CertParseError('malformed certificate: not a DER certificate')
}

/** Concatenated DER certificates, no padding; empty input gives none (go-spiffe's ParseRaw forms). */
export function parseCertificates(der: Uint8Array): X509Certificate[] {
  const source = Buffer.from(der.buffer, der.byteOffset, der.byteLength)
  const out: X509Certificate[] = []
  for (let at = 0; at < source.length; ) {
    const length = firstCertificateLength(source.subarray(at))
    out.push(parseCertificate(source.subarray(at, at + length)))
    at += length
  }
  return out
}

/** Every CERTIFICATE block (other block types skipped); `no PEM blocks found` when there is none at all. */
export function parsePemCertificates(pem: string | Uint8Array): X509Certificate[] {
  const blocks = decodePemBlocks(pem)
  if (blocks.length === 0) throw new CertParseError('no PEM blocks found')
  return blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => parseCertificate(b.der))
}
