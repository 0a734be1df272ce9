/**
 * Bot identities: a bot joins once with its single-use token and receives a short-lived client
 * certificate naming it and its roles (ca/client-identity.ts), then renews it by presenting the
 * current one before it expires. Roles are read from the bot resource at each join and renewal, so
 * `tctl bots update --add-roles` takes effect at the next renewal.
 */
import {X509Certificate, createPublicKey, type KeyObject} from 'node:crypto'
import type {CaMaterial} from '../ca/ca-material.js'
import {issueClientCert, parseClientIdentity} from '../ca/client-identity.js'
import {AccessDeniedError, BadParameterError} from '../errors.js'
import type {ResourceStore} from '../storage/resource-store.js'
import {consumeBotToken} from '../backend/local/tokens.js'
import type {Caller} from './caller.js'

/** A bot identity lives at most this long (tbot's credential_ttl maximum). */
export const BOT_IDENTITY_MAX_TTL_MS = 24 * 60 * 60_000

export interface BotCertificate {
  readonly certDer: Buffer
  readonly botName: string
  readonly roles: readonly string[]
  readonly expiresAt: Date
}

function toKey(publicKey: Uint8Array | KeyObject): KeyObject {
  if (!(publicKey instanceof Uint8Array)) return publicKey
  try {
    return createPublicKey({key: Buffer.from(publicKey), format: 'der', type: 'spki'})
  } catch {
    throw new BadParameterError('public_key: is not a valid PKIX public key')
  }
}

async function mint(ca: CaMaterial, store: ResourceStore, botName: string, publicKey: Uint8Array | KeyObject, ttlMs: number, now: () => Date): Promise<BotCertificate> {
  const bot = await store.get('bot', botName)
  if (!bot) throw new AccessDeniedError(`bot "${botName}" no longer exists`)
  const userName = bot.status?.user_name ?? `bot-${botName}`
  const ttl = Math.min(ttlMs, BOT_IDENTITY_MAX_TTL_MS)
  const cert = issueClientCert({ca: ca.botCa, publicKey: toKey(publicKey), userName, roles: bot.spec.roles, botName, ttlMs: ttl, now})
  return {certDer: cert.der, botName, roles: bot.spec.roles, expiresAt: cert.notAfter}
}

/** Spend the join token (once, under the store's lock) and mint the bot's first identity. */
export async function joinBot(
  ca: CaMaterial, store: ResourceStore, token: string, publicKey: Uint8Array | KeyObject, ttlMs: number, now: () => Date,
): Promise<BotCertificate> {
  const {botName} = await store.transact((tx) => consumeBotToken(tx, token, now()))
  return mint(ca, store, botName, publicKey, ttlMs, now)
}

/**
 * Verify a presented bot certificate: signed by this cluster's bot CA, within its validity, a bot
 * identity. The caller it yields acts with the certificate's roles (see authority/caller.ts).
 */
export function verifyBotCertificate(ca: CaMaterial, certDer: Uint8Array, now: Date): Caller & {kind: 'bot'} {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(Buffer.from(certDer))
  } catch {
    throw new AccessDeniedError('the bot identity is not a valid certificate')
  }
  if (!cert.checkIssued(ca.botCa.cert) || !cert.verify(ca.botCa.cert.publicKey)) {
    throw new AccessDeniedError('the bot identity was not issued by this cluster')
  }
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) throw new AccessDeniedError('the bot identity has expired')
  const identity = parseClientIdentity(Buffer.from(certDer))
  if (!identity.botName) throw new AccessDeniedError('the certificate is not a bot identity')
  return {kind: 'bot', botName: identity.botName, roles: identity.roles}
}

/** Renew: the current identity must verify; the new one carries the bot's roles as they are now. */
export async function renewBot(
  ca: CaMaterial, store: ResourceStore, currentCertDer: Uint8Array, publicKey: Uint8Array | KeyObject, ttlMs: number, now: () => Date,
): Promise<BotCertificate> {
  const caller = verifyBotCertificate(ca, currentCertDer, now())
  return mint(ca, store, caller.botName, publicKey, ttlMs, now)
}
