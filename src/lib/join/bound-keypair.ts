/**
 * Admitting a bound-keypair bot (Teleport 18's lib/auth/join/boundkeypair, RFD 0205): the bot
 * answers a challenge with the key bound to the token (or, the first time, the token's
 * initial_public_key, or a key it registers with the token's registration secret); a join without
 * the bot's current identity is a recovery, limited by `recovery.limit` in `standard` mode; after
 * `rotate_after` the bot must also prove a new key, which replaces the bound one. The token's status
 * changes inside one store transaction, so two answers cannot both bind or spend a recovery.
 */
import {randomUUID, timingSafeEqual} from 'node:crypto'
import {AccessDeniedError, BadParameterError} from '../errors.js'
import type {BoundKeypairTokenSpec, BoundKeypairTokenStatus} from '../resources/token-bound-keypair.js'
import type {ProvisionToken} from '../resources/types.js'
import type {ResourceStore, StoreTx} from '../storage/resource-store.js'
import {verifyChallengeSignature} from './bound-keypair-proof.js'
import type {ChallengeBook, IssuedChallenge} from './challenge-book.js'
import {parseSshPublicKey} from './ssh-public-key.js'

/** The bot's answer to a challenge. Keys are authorized_keys lines; signatures compact JWS. */
export interface BoundKeypairAnswer {
  readonly nonce: string
  /** By the bound key (or by `publicKey` when registering). */
  readonly signature: string
  /** Registering with the token's registration secret: the key to bind. */
  readonly publicKey?: string
  readonly registrationSecret?: string
  /** Rotating: the new key and the challenge signed with it too. */
  readonly newPublicKey?: string
  readonly newSignature?: string
}

/** A challenge as the bot sees it. */
export interface Challenge {
  readonly nonce: string
  readonly document: string
  readonly rotate: boolean
}

/** The bot's answer, and what it does once the Authority accepted it (keep a rotated key). */
export interface PreparedAnswer {
  readonly answer: BoundKeypairAnswer
  readonly commit: () => Promise<void>
}

export interface BoundKeypairJoin {
  readonly answer: BoundKeypairAnswer
  readonly book: ChallengeBook
  /** The bot named by a current identity the bot presented (then the join is not a recovery). */
  readonly currentBotName?: string
}

export function needsRotation(token: ProvisionToken, now: Date): boolean {
  const after = token.spec.bound_keypair?.rotate_after
  if (after === undefined || now.getTime() < Date.parse(after)) return false
  const last = token.status?.bound_keypair?.last_rotated_at
  return last === undefined || Date.parse(last) < Date.parse(after)
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The key that must have signed: the bound one, else the initial one, else the one being registered. */
function expectedKey(spec: BoundKeypairTokenSpec, status: BoundKeypairTokenStatus, answer: BoundKeypairAnswer, now: Date): string {
  if (status.bound_public_key !== undefined) return status.bound_public_key
  if (spec.onboarding.initial_public_key !== undefined) return spec.onboarding.initial_public_key
  const secret = spec.onboarding.registration_secret ?? ''
  if (answer.registrationSecret === undefined || answer.publicKey === undefined || !sameSecret(answer.registrationSecret, secret)) {
    throw new AccessDeniedError('a valid registration secret is required to register a public key')
  }
  const deadline = spec.onboarding.must_register_before
  if (deadline !== undefined && now.getTime() > Date.parse(deadline)) throw new AccessDeniedError('the registration window has passed (onboarding.must_register_before)')
  return answer.publicKey
}

function recoveryStatus(spec: BoundKeypairTokenSpec, status: BoundKeypairTokenStatus, now: Date): Partial<BoundKeypairTokenStatus> {
  const {limit, mode} = spec.recovery
  if (mode === 'standard' && status.recovery_count >= limit) {
    throw new AccessDeniedError(`recovery limit exceeded: ${status.recovery_count} of ${limit} recoveries used; raise spec.bound_keypair.recovery.limit to allow another`)
  }
  return {recovery_count: status.recovery_count + 1, last_recovered_at: now.toISOString(), bound_bot_instance_id: randomUUID()}
}

async function rotatedKey(challenge: IssuedChallenge, answer: BoundKeypairAnswer): Promise<string | undefined> {
  if (!challenge.rotate) return undefined
  if (answer.newPublicKey === undefined || answer.newSignature === undefined) throw new BadParameterError('a key rotation was requested but the response holds no new public key')
  await verifyChallengeSignature(challenge.document, answer.newSignature, parseSshPublicKey(answer.newPublicKey), 'new public key')
  return answer.newPublicKey
}

async function answerInTx(tx: StoreTx, tokenName: string, challenge: IssuedChallenge, join: BoundKeypairJoin, now: Date): Promise<string> {
  const token = await tx.get('token', tokenName)
  const spec = token?.spec.bound_keypair
  if (!token || !spec) throw new AccessDeniedError('the join token is unknown, already used or expired')
  const status: BoundKeypairTokenStatus = token.status?.bound_keypair ?? {recovery_count: 0}
  const key = expectedKey(spec, status, join.answer, now)
  await verifyChallengeSignature(challenge.document, join.answer.signature, parseSshPublicKey(key), 'bound public key')
  // Presenting the bot's current identity makes this a renewal; anything else spends a recovery.
  const renewing = join.currentBotName === token.spec.bot_name && status.bound_public_key !== undefined
  const recovery = renewing ? {} : recoveryStatus(spec, status, now)
  const newKey = await rotatedKey(challenge, join.answer)
  const next: BoundKeypairTokenStatus = {
    ...status, ...recovery, bound_public_key: newKey ?? key, ...(newKey !== undefined ? {last_rotated_at: now.toISOString()} : {}),
  }
  tx.put({...token, status: {bound_keypair: next}})
  return token.spec.bot_name as string
}

/** Check the answer and record the join on the token; the bot's name on success. */
export async function admitBoundKeypair(store: ResourceStore, tokenName: string, join: BoundKeypairJoin, now: Date): Promise<string> {
  const challenge = join.book.take(join.answer.nonce, tokenName, now)
  return store.transact((tx) => answerInTx(tx, tokenName, challenge, join, now))
}
