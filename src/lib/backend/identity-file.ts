/**
 * Identity files, as Teleport writes them for `tctl auth sign` and as tbot keeps its own identity:
 * one PEM text holding the private key, the client certificate for it, and the cluster's TLS CA
 * certificates (which the holder trusts the server by). Written 0600; the key never leaves it.
 */
import {X509Certificate, createPrivateKey, type KeyObject} from 'node:crypto'
import {readInputFile} from '../input/read-file.js'
import {decodePemBlocks, toPem} from '../ca/pem.js'
import {InputError} from '../errors.js'

/** Where a bot keeps its own identity inside its `storage`, on either backend. */
export const IDENTITY_FILE = 'identity.pem'

export interface IdentityFile {
  readonly keyPem: string
  readonly certPem: string
  /** The cluster's TLS CA certificates; may be empty in a bot's store written by the local backend. */
  readonly caPems: readonly string[]
}

const KEY_TYPES = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'])

/** Key first, then the certificate, then the CAs (Teleport's order). */
export function encodeIdentityFile(id: IdentityFile): string {
  return [id.keyPem, id.certPem, ...id.caPems].map((pem) => (pem.endsWith('\n') ? pem : pem + '\n')).join('')
}

export function identityFromKey(key: KeyObject, certDer: Uint8Array, caDers: readonly Uint8Array[]): IdentityFile {
  return {
    keyPem: key.export({type: 'pkcs8', format: 'pem'}).toString(),
    certPem: toPem('CERTIFICATE', certDer),
    caPems: caDers.map((der) => toPem('CERTIFICATE', der)),
  }
}

/**
 * Parse an identity file's text. The client certificate is the one whose public key matches the
 * private key, wherever it stands; every other certificate is a CA. `file` names it in errors.
 */
export function decodeIdentityFile(text: string, file: string): IdentityFile {
  const blocks = decodePemBlocks(text)
  const keyBlock = blocks.find((b) => KEY_TYPES.has(b.type))
  if (keyBlock === undefined) throw new InputError({file}, 'not an identity file: no PEM private key found')
  let key: KeyObject
  try {
    key = createPrivateKey({key: toPem(keyBlock.type, keyBlock.der), format: 'pem'})
  } catch (err) {
    throw new InputError({file}, 'the private key does not parse', {cause: err})
  }
  const certs = blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => {
    try {
      return new X509Certificate(b.der)
    } catch (err) {
      throw new InputError({file}, 'a CERTIFICATE block does not parse as X.509', {cause: err})
    }
  })
  const leaf = certs.find((c) => c.checkPrivateKey(key))
  if (leaf === undefined) throw new InputError({file}, 'no certificate in the file matches its private key')
  return {
    keyPem: key.export({type: 'pkcs8', format: 'pem'}).toString(),
    certPem: leaf.toString(),
    caPems: certs.filter((c) => c !== leaf).map((c) => c.toString()),
  }
}

export async function readIdentityFile(path: string): Promise<IdentityFile> {
  return decodeIdentityFile(await readInputFile(path, 'the identity file'), path)
}

/** The identity's certificate, parsed. */
export function identityCertificate(id: IdentityFile): X509Certificate {
  return new X509Certificate(id.certPem)
}

/** The stored identity's certificate (DER), if there is a readable one: bound_keypair joins present it. */
export async function storedCertificateDer(read: (name: string) => Promise<Uint8Array | undefined>): Promise<Buffer | undefined> {
  const raw = await read(IDENTITY_FILE)
  if (raw === undefined) return undefined
  try {
    return new X509Certificate(decodeIdentityFile(Buffer.from(raw).toString('utf8'), IDENTITY_FILE).certPem).raw
  } catch {
    return undefined
  }
}
