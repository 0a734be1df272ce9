/**
 * The first layout of the CA on disk, read now only to migrate it into the one CA state document
 * (ca-state.ts, storage/file-ca-state-store.ts). CA material on disk: PEM files in a private directory (0700), keys 0600, each written atomically
 * (temp + fsync + rename). A file that cannot be read back is a CorruptStateError naming the file;
 * a directory with no CA material at all is a NotFoundError, so callers can create it.
 */
import {createPrivateKey, type KeyObject} from 'node:crypto'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {CorruptStateError, NotFoundError} from '../errors.js'
import {ensurePrivateDir, writeFileAtomic} from '../storage/atomic.js'
import {caKeyPair, type CaKeyPair} from './ca-keypair.js'
import {clusterTrustDomain, jwtSigningKey, withTrust, type CaMaterial} from './ca-material.js'
import {decodePemBlocks} from './pem.js'

export const CA_FILES = {
  spiffeCaCert: 'spiffe-ca.crt',
  spiffeCaKey: 'spiffe-ca.key',
  jwtKey: 'jwt-signing.key',
  botCaCert: 'bot-ca.crt',
  botCaKey: 'bot-ca.key',
} as const

const pkcs8Pem = (key: KeyObject) => key.export({type: 'pkcs8', format: 'pem'}).toString()

export async function saveCaMaterial(dir: string, m: CaMaterial): Promise<void> {
  await ensurePrivateDir(dir)
  await writeFileAtomic(join(dir, CA_FILES.spiffeCaKey), pkcs8Pem(m.spiffeCa.privateKey), {mode: 0o600})
  await writeFileAtomic(join(dir, CA_FILES.jwtKey), pkcs8Pem(m.jwtKey.privateKey), {mode: 0o600})
  await writeFileAtomic(join(dir, CA_FILES.botCaKey), pkcs8Pem(m.botCa.privateKey), {mode: 0o600})
  await writeFileAtomic(join(dir, CA_FILES.spiffeCaCert), m.spiffeCa.certPem, {mode: 0o644})
  await writeFileAtomic(join(dir, CA_FILES.botCaCert), m.botCa.certPem, {mode: 0o644})
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

function corrupt(path: string, reason: string, cause?: unknown): CorruptStateError {
  return new CorruptStateError(`${path}: ${reason}`, {cause})
}

function onePemBlock(path: string, text: string, type: string): Buffer {
  const blocks = decodePemBlocks(text).filter((b) => b.type === type)
  if (blocks.length !== 1) throw corrupt(path, `expected one PEM ${type} block, found ${blocks.length}`)
  return blocks[0]!.der
}

function readKey(path: string, text: string): KeyObject {
  const der = onePemBlock(path, text, 'PRIVATE KEY')
  try {
    return createPrivateKey({key: der, format: 'der', type: 'pkcs8'})
  } catch (err) {
    throw corrupt(path, 'cannot parse PKCS#8 private key', err)
  }
}

function readCa(certPath: string, certText: string, keyPath: string, keyText: string): CaKeyPair {
  const der = onePemBlock(certPath, certText, 'CERTIFICATE')
  const key = readKey(keyPath, keyText)
  try {
    return caKeyPair(der, key)
  } catch (err) {
    throw corrupt(certPath, (err as Error).message, err)
  }
}

export async function loadCaMaterial(dir: string): Promise<CaMaterial> {
  const names = Object.values(CA_FILES)
  const texts = await Promise.all(names.map((n) => readIfExists(join(dir, n))))
  if (texts.every((t) => t === undefined)) throw new NotFoundError(`no CA material in ${dir}`)
  const text = (name: string): string => {
    const t = texts[names.indexOf(name as (typeof names)[number])]
    if (t === undefined) throw corrupt(join(dir, name), 'missing (the CA directory is incomplete)')
    return t
  }
  const path = (name: string) => join(dir, name)
  const spiffeCa = readCa(path(CA_FILES.spiffeCaCert), text(CA_FILES.spiffeCaCert), path(CA_FILES.spiffeCaKey), text(CA_FILES.spiffeCaKey))
  const botCa = readCa(path(CA_FILES.botCaCert), text(CA_FILES.botCaCert), path(CA_FILES.botCaKey), text(CA_FILES.botCaKey))
  const jwtPath = path(CA_FILES.jwtKey)
  let jwtKey
  try {
    jwtKey = jwtSigningKey(readKey(jwtPath, text(CA_FILES.jwtKey)))
  } catch (err) {
    if (err instanceof CorruptStateError) throw err
    throw corrupt(jwtPath, (err as Error).message, err)
  }
  const uri = spiffeCa.info.uris[0]
  if (uri === undefined || !uri.startsWith('spiffe://')) throw corrupt(path(CA_FILES.spiffeCaCert), 'SPIFFE CA certificate has no spiffe:// URI SAN')
  const clusterName = uri.slice('spiffe://'.length)
  let trustDomain
  try {
    trustDomain = clusterTrustDomain(clusterName)
  } catch (err) {
    throw corrupt(path(CA_FILES.spiffeCaCert), (err as Error).message, err)
  }
  return withTrust({clusterName, trustDomain, spiffeCa, jwtKey, botCa})
}
