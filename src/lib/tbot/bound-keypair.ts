/**
 * The bot's side of bound_keypair joining (Teleport's lib/tbot bound keypair client): its private
 * key lives in `storage` beside its identity (`tbot keypair create` makes it ahead of the first
 * join, so its public key can go into the token); at each join it signs the server's challenge,
 * and when asked to rotate it makes a new key, signs with both, and keeps the new one only once the
 * server has accepted it.
 */
import {createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import type {BotStorage} from '../issuance/contract.js'
import type {BoundKeypairAnswer, Challenge, PreparedAnswer} from '../join/bound-keypair.js'
import {signChallenge} from '../join/bound-keypair-proof.js'
import {formatSshPublicKey} from '../join/ssh-public-key.js'

/** The private key's file inside the bot's storage (PKCS #8 PEM). */
export const BOUND_KEYPAIR_FILE = 'bound_keypair.key'


function newKey(): KeyObject {
  // Ed25519, as Teleport's default signature suite chooses for bound keypairs.
  return generateKeyPairSync('ed25519').privateKey
}

const pem = (key: KeyObject) => key.export({type: 'pkcs8', format: 'pem'}).toString()

export async function readBoundKey(storage: BotStorage): Promise<KeyObject | undefined> {
  const raw = await storage.read(BOUND_KEYPAIR_FILE)
  if (raw === undefined) return undefined
  try {
    return createPrivateKey(Buffer.from(raw).toString('utf8'))
  } catch {
    throw new BadParameterError(`${storage.description}: ${BOUND_KEYPAIR_FILE} is not a readable private key`)
  }
}

/** `tbot keypair create`: the stored key (unless `overwrite`), else a new one; its public key line. */
export async function createBoundKeypair(storage: BotStorage, overwrite: boolean): Promise<{publicKey: string; created: boolean}> {
  const existing = overwrite ? undefined : await readBoundKey(storage)
  if (existing !== undefined) return {publicKey: formatSshPublicKey(createPublicKey(existing)), created: false}
  const key = newKey()
  await storage.write([{name: BOUND_KEYPAIR_FILE, data: pem(key)}])
  return {publicKey: formatSshPublicKey(createPublicKey(key)), created: true}
}

/**
 * Sign the challenge. Without a stored key the bot registers a new one with the registration
 * secret; without either it cannot join.
 */
export async function prepareAnswer(storage: BotStorage, challenge: Challenge, registrationSecret?: string): Promise<PreparedAnswer> {
  let key = await readBoundKey(storage)
  let registering: Partial<BoundKeypairAnswer> = {}
  if (key === undefined) {
    if (registrationSecret === undefined) {
      throw new BadParameterError(`no bound keypair in ${storage.description}: run "tbot keypair create" first, or set onboarding.bound_keypair.registration_secret`)
    }
    key = newKey()
    registering = {publicKey: formatSshPublicKey(createPublicKey(key)), registrationSecret}
  }
  const signature = await signChallenge(challenge.document, key)
  const keep = registering.publicKey !== undefined ? key : undefined
  if (!challenge.rotate) {
    return {answer: {nonce: challenge.nonce, signature, ...registering}, commit: async () => keep && storage.write([{name: BOUND_KEYPAIR_FILE, data: pem(keep)}])}
  }
  const next = newKey()
  const answer = {
    nonce: challenge.nonce, signature, ...registering,
    newPublicKey: formatSshPublicKey(createPublicKey(next)), newSignature: await signChallenge(challenge.document, next),
  }
  return {answer, commit: () => storage.write([{name: BOUND_KEYPAIR_FILE, data: pem(next)}])}
}
