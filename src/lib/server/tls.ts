/**
 * TLS material for the server: the `https_keypairs` PEM files, and the CA pin clients use to trust a
 * cluster before they hold its CA (`tctl status` prints it; `tbot --ca-pin` and join flows check it).
 */
import {createHash, createPrivateKey, X509Certificate} from 'node:crypto'
import {readInputFile} from '../input-file.js'
import {decodePemBlocks} from '../ca/pem.js'
import {x509Library} from '../ca/x509-library.js'
import {BadParameterError, InputError} from '../errors.js'
import type {KeyPairFiles} from './config.js'

export interface TlsKeyPair {
  /** Leaf first, then the intermediates to present, as in the file. */
  readonly certPem: string
  readonly keyPem: string
  readonly chain: readonly X509Certificate[]
}

/** Load and check each `{key_file, cert_file}`: both parse, and the key belongs to the leaf. */
export async function loadKeyPairs(pairs: readonly KeyPairFiles[]): Promise<TlsKeyPair[]> {
  return Promise.all(pairs.map(loadKeyPair))
}

async function loadKeyPair(pair: KeyPairFiles): Promise<TlsKeyPair> {
  const certPem = await readInputFile(pair.certFile)
  const keyPem = await readInputFile(pair.keyFile)
  const chain = decodePemBlocks(certPem)
    .filter((block) => block.type === 'CERTIFICATE')
    .map((block) => parseCertificate(block.der, pair.certFile))
  if (chain.length === 0) throw new InputError({file: pair.certFile}, 'no CERTIFICATE PEM block found')
  let key
  try {
    key = createPrivateKey(keyPem)
  } catch (err) {
    throw new InputError({file: pair.keyFile}, 'not a readable PEM private key', {cause: err})
  }
  if (!chain[0]!.checkPrivateKey(key)) {
    throw new InputError({file: pair.keyFile}, `the private key does not match the certificate in ${pair.certFile}`)
  }
  return {certPem, keyPem, chain}
}

function parseCertificate(der: Buffer, file: string): X509Certificate {
  try {
    return new X509Certificate(der)
  } catch (err) {
    throw new InputError({file}, 'a CERTIFICATE block does not parse as X.509', {cause: err})
  }
}

/**
 * The CA pin `sha256:<hex>`: SHA-256 over the certificate's SubjectPublicKeyInfo exactly as encoded in
 * the certificate, lowercase hex, as Teleport's `utils.CalculateSPKI` (lib/utils/spki.go). Accepts DER,
 * PEM (the first certificate) or a parsed certificate.
 */
export function caPin(cert: Buffer | string | X509Certificate): string {
  return 'sha256:' + createHash('sha256').update(subjectPublicKeyInfo(certificateDer(cert))).digest('hex')
}

/** The SubjectPublicKeyInfo DER of a DER certificate (Go's RawSubjectPublicKeyInfo), read by @peculiar/x509. */
export function subjectPublicKeyInfo(certDer: Buffer): Buffer {
  try {
    return Buffer.from(new (x509Library().X509Certificate)(certDer).publicKey.rawData)
  } catch (err) {
    throw new BadParameterError(`not a DER certificate: ${(err as Error).message}`, {cause: err})
  }
}

function certificateDer(cert: Buffer | string | X509Certificate): Buffer {
  if (cert instanceof X509Certificate) return cert.raw
  if (Buffer.isBuffer(cert)) return cert
  const block = decodePemBlocks(cert).find((b) => b.type === 'CERTIFICATE')
  if (block === undefined) throw new BadParameterError('no CERTIFICATE PEM block found')
  return block.der
}
