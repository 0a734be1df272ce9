/**
 * Certificates parsed once into node's X509Certificate (signature checks, public key) plus our
 * CertInfo (fields node does not expose). Failures carry Go's text, because go-spiffe's messages
 * embed it (spiffe.md §2.3, §5).
 */
import {X509Certificate} from 'node:crypto'
import {parseCertInfo} from './cert-info.js'
import {DerError, splitConcatenated} from './der-reader.js'
import {decodePemBlocks} from './pem.js'
import type {ParsedCert} from './verify-chain.js'

export type {ParsedCert} from './verify-chain.js'

/** A certificate that cannot be parsed; `message` is Go's (`x509: malformed certificate`, ...). */
export class CertParseError extends Error {}

const cache = new WeakMap<X509Certificate, ParsedCert>()

export function parseCertificate(der: Uint8Array): ParsedCert {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength)
  try {
    const info = parseCertInfo(buf)
    const parsed = {cert: new X509Certificate(buf), info}
    cache.set(parsed.cert, parsed)
    return parsed
  } catch (err) {
    if (err instanceof DerError && err.message === 'certificate contains duplicate extensions') {
      throw new CertParseError('x509: certificate contains duplicate extensions', {cause: err})
    }
    throw new CertParseError('x509: malformed certificate', {cause: err})
  }
}

/** The ParsedCert behind a node X509Certificate (parsed on first use, then cached). */
export function fromX509Certificate(cert: X509Certificate): ParsedCert {
  const hit = cache.get(cert)
  if (hit !== undefined) return hit
  try {
    const parsed = {cert, info: parseCertInfo(cert.raw)}
    cache.set(cert, parsed)
    return parsed
  } catch (err) {
    throw new CertParseError('x509: malformed certificate', {cause: err})
  }
}

/** Go `x509.ParseCertificates`: concatenated DER, no padding; empty input gives no certificates. */
export function parseCertificates(der: Uint8Array): ParsedCert[] {
  let pieces: Buffer[]
  try {
    pieces = splitConcatenated(Buffer.from(der.buffer, der.byteOffset, der.byteLength))
  } catch (err) {
    throw new CertParseError('x509: malformed certificate', {cause: err})
  }
  return pieces.map(parseCertificate)
}

/**
 * go-spiffe `pemutil.ParseCertificates`: every CERTIFICATE block (other block types skipped);
 * `no PEM blocks found` when there is no block at all.
 */
export function parsePemCertificates(pem: string | Uint8Array): ParsedCert[] {
  const blocks = decodePemBlocks(pem)
  if (blocks.length === 0) throw new CertParseError('no PEM blocks found')
  return blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => parseCertificate(b.der))
}
