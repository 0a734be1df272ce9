/**
 * Joining and renewing on the wire: the bot sends a public key (PKIX DER, base64) and, to join, its
 * single-use token; it gets back its client certificate and the cluster's TLS CA certificates. The
 * private key never leaves the bot.
 */
import type {FieldReader} from '../document/fields.js'
import {fail} from '../document/place.js'
import type {BoundKeypairAnswer} from '../join/bound-keypair.js'
import {encodeAnswer, parseBoundKeypairFields} from './bound-keypair.js'
import {readBody, readBytes, readBytesList, readDate, type JsonRecord} from './reader.js'

export interface JoinRequest {
  readonly token: string
  readonly publicKeyDer: Uint8Array
  readonly ttlMs: number
  /** Absent means `token` (older bots). */
  readonly joinMethod?: string
  /** The platform credential of a delegated join method (a JWT). */
  readonly idToken?: string
  /** bound_keypair (wire/bound-keypair.ts): the signed challenge, and the bot's current identity if any. */
  readonly boundKeypair?: BoundKeypairAnswer
  readonly currentIdentityDer?: Uint8Array
}

/** The join methods a request may name (resources/token.ts DELEGATED_JOIN_METHODS and `token`). */
const JOIN_METHODS = ['token', 'kubernetes', 'github', 'gitlab', 'bound_keypair']
/** A platform JWT is a few KiB; the server's body limit bounds it anyway. */
const MAX_ID_TOKEN_LENGTH = 64 * 1024

export interface RenewRequest {
  readonly publicKeyDer: Uint8Array
  readonly ttlMs: number
}

export interface BotIdentityResponse {
  readonly certDer: Buffer
  /** The cluster's TLS CA: it signed the certificate, and the server's own certificate by default. */
  readonly caDers: readonly Buffer[]
  readonly botName: string
  readonly roles: readonly string[]
  readonly expiresAt: Date
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
/** Refused before any work: a token is 32 hex characters, a chosen one is still short. */
const MAX_TOKEN_LENGTH = 1024

export function encodeJoinRequest(r: JoinRequest): JsonRecord {
  return {
    token: r.token, public_key: b64(r.publicKeyDer), ttl_ms: r.ttlMs,
    ...(r.joinMethod !== undefined ? {join_method: r.joinMethod} : {}), ...(r.idToken !== undefined ? {id_token: r.idToken} : {}),
    ...(r.boundKeypair !== undefined ? {bound_keypair: encodeAnswer(r.boundKeypair)} : {}),
    ...(r.currentIdentityDer !== undefined ? {current_identity: b64(r.currentIdentityDer)} : {}),
  }
}

function positiveTtl(r: FieldReader): number {
  const ttlMs = r.required.count('ttl_ms')
  return ttlMs === 0 ? fail(r.at('ttl_ms'), 'must be positive') : ttlMs
}

export function parseJoinRequest(body: unknown): JoinRequest {
  const r = readBody(body, 'request body', ['token', 'public_key', 'ttl_ms', 'join_method', 'id_token', 'bound_keypair', 'current_identity'])
  const token = r.required.string('token')
  if (token === '' || token.length > MAX_TOKEN_LENGTH) fail(r.at('token'), 'must be a join token')
  const joinMethod = r.string('join_method')
  if (joinMethod !== undefined && !JOIN_METHODS.includes(joinMethod)) fail(r.at('join_method'), `join method ${JSON.stringify(joinMethod)} is not supported`)
  const idToken = r.string('id_token')
  if (idToken !== undefined && idToken.length > MAX_ID_TOKEN_LENGTH) fail(r.at('id_token'), 'is too long')
  return {
    token, publicKeyDer: readBytes(r, 'public_key'), ttlMs: positiveTtl(r),
    ...(joinMethod !== undefined ? {joinMethod} : {}), ...(idToken !== undefined ? {idToken} : {}), ...parseBoundKeypairFields(r),
  }
}

export function encodeRenewRequest(r: RenewRequest): JsonRecord {
  return {public_key: b64(r.publicKeyDer), ttl_ms: r.ttlMs}
}

export function parseRenewRequest(body: unknown): RenewRequest {
  const r = readBody(body, 'request body', ['public_key', 'ttl_ms'])
  return {publicKeyDer: readBytes(r, 'public_key'), ttlMs: positiveTtl(r)}
}

export function encodeBotIdentity(r: BotIdentityResponse): JsonRecord {
  return {
    certificate: b64(r.certDer), ca_certificates: r.caDers.map(b64), bot_name: r.botName, roles: [...r.roles],
    expires_at: r.expiresAt.toISOString(),
  }
}

export function parseBotIdentity(body: unknown): BotIdentityResponse {
  const r = readBody(body, 'response body', ['certificate', 'ca_certificates', 'bot_name', 'roles', 'expires_at'])
  return {
    certDer: readBytes(r, 'certificate'), caDers: readBytesList(r, 'ca_certificates'), botName: r.required.string('bot_name'),
    roles: r.required.stringList('roles'), expiresAt: readDate(r, 'expires_at'),
  }
}
