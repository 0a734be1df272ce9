/**
 * Joining and renewing on the wire: the bot sends a public key (PKIX DER, base64) and, to join, its
 * single-use token; it gets back its client certificate and the cluster's TLS CA certificates. The
 * private key never leaves the bot.
 */
import {BadParameterError} from '../errors.js'
import {WireReader, type JsonRecord} from './reader.js'

export interface JoinRequest {
  readonly token: string
  readonly publicKeyDer: Uint8Array
  readonly ttlMs: number
}

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
  return {token: r.token, public_key: b64(r.publicKeyDer), ttl_ms: r.ttlMs}
}

function positiveTtl(r: WireReader): number {
  const ttlMs = r.count('ttl_ms')
  if (ttlMs === 0) throw r.error('ttl_ms', 'must be positive')
  return ttlMs
}

export function parseJoinRequest(body: unknown): JoinRequest {
  const r = new WireReader(body, '', ['token', 'public_key', 'ttl_ms'])
  const token = r.string('token')
  if (token === '' || token.length > MAX_TOKEN_LENGTH) throw new BadParameterError('token: must be a join token')
  return {token, publicKeyDer: r.bytes('public_key'), ttlMs: positiveTtl(r)}
}

export function encodeRenewRequest(r: RenewRequest): JsonRecord {
  return {public_key: b64(r.publicKeyDer), ttl_ms: r.ttlMs}
}

export function parseRenewRequest(body: unknown): RenewRequest {
  const r = new WireReader(body, '', ['public_key', 'ttl_ms'])
  return {publicKeyDer: r.bytes('public_key'), ttlMs: positiveTtl(r)}
}

export function encodeBotIdentity(r: BotIdentityResponse): JsonRecord {
  return {
    certificate: b64(r.certDer), ca_certificates: r.caDers.map(b64), bot_name: r.botName, roles: [...r.roles],
    expires_at: r.expiresAt.toISOString(),
  }
}

export function parseBotIdentity(body: unknown): BotIdentityResponse {
  const r = new WireReader(body, '', ['certificate', 'ca_certificates', 'bot_name', 'roles', 'expires_at'])
  return {
    certDer: r.bytes('certificate'), caDers: r.bytesList('ca_certificates'), botName: r.string('bot_name'),
    roles: r.stringList('roles'), expiresAt: r.date('expires_at'),
  }
}
