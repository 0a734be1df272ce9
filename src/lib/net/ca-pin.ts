/**
 * The CA pin `sha256:<hex>`: SHA-256 over the CA certificate's SubjectPublicKeyInfo, lowercase hex, as
 * Teleport's `utils.CalculateSPKI` (lib/utils/spki.go). `tctl status` prints it; `tbot --ca-pin` and the
 * join flows check it. The SPKI comes from OpenSSL's DER encoding of the public key, which is the
 * certificate's own encoding for every key type a CA uses (DER is canonical; tested against the raw bytes).
 */
import {createHash, X509Certificate} from 'node:crypto'
import {decodePemBlocks} from '../ca/pem.js'
import {BadParameterError} from '../errors.js'

/** Accepts DER, PEM (the first certificate) or a parsed certificate. */
export function caPin(cert: Buffer | string | X509Certificate): string {
  return 'sha256:' + createHash('sha256').update(subjectPublicKeyInfo(certificate(cert))).digest('hex')
}

export function subjectPublicKeyInfo(cert: X509Certificate): Buffer {
  return cert.publicKey.export({type: 'spki', format: 'der'})
}

function certificate(cert: Buffer | string | X509Certificate): X509Certificate {
  if (cert instanceof X509Certificate) return cert
  let der: Buffer
  if (Buffer.isBuffer(cert)) {
    der = cert
  } else {
    const block = decodePemBlocks(cert).find((b) => b.type === 'CERTIFICATE')
    if (block === undefined) throw new BadParameterError('no CERTIFICATE PEM block found')
    der = block.der
  }
  try {
    return new X509Certificate(der)
  } catch (err) {
    throw new BadParameterError(`not a DER certificate: ${(err as Error).message}`, {cause: err})
  }
}
