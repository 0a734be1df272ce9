/**
 * A signing CA: its certificate (DER, PEM, parsed fields) and private key. Built once at the edge
 * (creation or load), checked for consistency, then trusted by the issuance code.
 */
import type {KeyObject, X509Certificate} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import {readIssuedCertificate, type CertFields} from './cert-fields.js'
import {KEY_USAGE} from './oids.js'
import {keyTypeOf, publicKeyOf, type KeyType} from './keys.js'
import {toPem} from './pem.js'

export interface CaKeyPair {
  readonly certDer: Buffer
  readonly certPem: string
  readonly cert: X509Certificate
  readonly info: CertFields
  readonly privateKey: KeyObject
  readonly keyType: KeyType
}

/**
 * Pair a CA certificate with its private key. Throws BadParameterError when the certificate is not a
 * CA able to sign certificates, has no SKI (leaf AKIs point at it), or does not match the key.
 */
export function caKeyPair(certDer: Buffer, privateKey: KeyObject): CaKeyPair {
  let read: ReturnType<typeof readIssuedCertificate>
  try {
    read = readIssuedCertificate(certDer)
  } catch (err) {
    throw new BadParameterError(`cannot parse CA certificate: ${(err as Error).message}`, {cause: err})
  }
  const {cert, fields: info} = read
  if (!info.isCA) throw new BadParameterError('CA certificate does not have the CA flag set')
  if ((info.keyUsage & KEY_USAGE.keyCertSign) === 0) throw new BadParameterError("CA certificate lacks the 'keyCertSign' key usage")
  if (info.subjectKeyId === undefined) throw new BadParameterError('CA certificate has no subject key identifier')
  if (privateKey.type !== 'private') throw new BadParameterError('CA key is not a private key')
  if (!publicKeyOf(privateKey).equals(cert.publicKey)) throw new BadParameterError('CA certificate does not match its private key')
  return {certDer, certPem: toPem('CERTIFICATE', certDer), cert, info, privateKey, keyType: keyTypeOf(privateKey)}
}
