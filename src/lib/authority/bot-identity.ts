/**
 * Bot identities: a bot joins (join/index.ts: its single-use token, or a delegated method's
 * platform credential) and receives a short-lived client certificate naming it, its roles and its
 * join attributes (ca/client-identity.ts), then renews it by presenting the current one before it
 * expires; renewal keeps the join attributes (they change only when the bot joins again). Roles are
 * read from the bot resource at each join and renewal, so `tctl bots update --add-roles` takes
 * effect at the next renewal. Every join attempt, admitted or refused, is audited (`bot.join`).
 */
import {X509Certificate, createPublicKey, type KeyObject} from 'node:crypto'
import type {CaMaterial} from '../ca/ca-material.js'
import {issueClientCert, parseClientIdentity} from '../ca/client-identity.js'
import {AccessDeniedError, BadParameterError} from '../errors.js'
import type {ResourceStore} from '../storage/resource-store.js'
import type {JoinAttrs} from '../authz/attributes.js'
import {admitBot, refusedJoinOf, type BotJoinRequest} from '../join/index.js'
import type {BotJoinEvent} from './audit-line.js'
import type {Caller} from './caller.js'

export type {BotJoinRequest} from '../join/index.js'

/** What joining needs from the Authority. */
export interface BotJoinDeps {
  readonly ca: CaMaterial
  readonly store: ResourceStore
  readonly now: () => Date
  /** Records a `bot.join` event; a failed write fails the join (nothing issued without its record). */
  readonly audit?: (event: BotJoinEvent) => Promise<void>
}

/** A bot identity lives at most this long (tbot's credential_ttl maximum). */
export const BOT_IDENTITY_MAX_TTL_MS = 24 * 60 * 60_000

export interface BotCertificate {
  readonly certDer: Buffer
  readonly botName: string
  readonly roles: readonly string[]
  readonly expiresAt: Date
  readonly joinAttrs?: JoinAttrs
}

function toKey(publicKey: Uint8Array | KeyObject): KeyObject {
  if (!(publicKey instanceof Uint8Array)) return publicKey
  try {
    return createPublicKey({key: Buffer.from(publicKey), format: 'der', type: 'spki'})
  } catch {
    throw new BadParameterError('public_key: is not a valid PKIX public key')
  }
}

interface MintParams {
  readonly botName: string
  readonly publicKey: KeyObject
  readonly ttlMs: number
  readonly joinAttrs: JoinAttrs | undefined
}

async function mint(ca: CaMaterial, store: ResourceStore, p: MintParams, now: () => Date): Promise<BotCertificate> {
  const bot = await store.get('bot', p.botName)
  if (!bot) throw new AccessDeniedError(`bot "${p.botName}" no longer exists`)
  const userName = bot.status?.user_name ?? `bot-${p.botName}`
  const ttl = Math.min(p.ttlMs, BOT_IDENTITY_MAX_TTL_MS)
  const cert = issueClientCert({
    ca: ca.botCa, publicKey: p.publicKey, userName, roles: bot.spec.roles, botName: p.botName, ttlMs: ttl, now,
    ...(p.joinAttrs !== undefined ? {joinAttrs: p.joinAttrs} : {}),
  })
  return {certDer: cert.der, botName: p.botName, roles: bot.spec.roles, expiresAt: cert.notAfter, ...(p.joinAttrs ? {joinAttrs: p.joinAttrs} : {})}
}

/**
 * Admit the bot (join/index.ts) and mint its first identity. A `token` request may be a bare string
 * (the secret). The key is checked before the token is spent: a malformed request must not burn it.
 */
export async function joinBot(
  deps: BotJoinDeps, request: BotJoinRequest | string, publicKey: Uint8Array | KeyObject, ttlMs: number,
): Promise<BotCertificate> {
  const req = withCurrentBot(deps, typeof request === 'string' ? {method: 'token', token: request} : request)
  const tokenName = req.method === 'token' ? undefined : req.token
  const key = toKey(publicKey)
  let cert: BotCertificate
  try {
    const admission = await admitBot(deps.store, req, {clusterName: deps.ca.clusterName, now: deps.now()})
    cert = await mint(deps.ca, deps.store, {botName: admission.botName, publicKey: key, ttlMs, joinAttrs: admission.attrs}, deps.now)
  } catch (err) {
    const known = refusedJoinOf(err)
    await deps.audit?.({
      success: false, method: req.method, ...(tokenName ? {tokenName} : {}), ...(known.botName ? {botName: known.botName} : {}),
      ...(known.attrs ? {attributes: known.attrs} : {}), error: (err as Error).message,
    })
    throw err
  }
  await deps.audit?.({
    success: true, method: req.method, ...(tokenName ? {tokenName} : {}), botName: cert.botName, ...(cert.joinAttrs ? {attributes: cert.joinAttrs} : {}),
  })
  return cert
}

/** bound_keypair: the bot a presented current identity names, if it verifies (else the join is a recovery). */
function withCurrentBot(deps: BotJoinDeps, req: BotJoinRequest): BotJoinRequest {
  if (req.boundKeypair === undefined || req.currentIdentityDer === undefined) return req
  try {
    const {botName} = verifyBotCertificate(deps.ca, req.currentIdentityDer, deps.now())
    return {...req, boundKeypair: {...req.boundKeypair, currentBotName: botName}}
  } catch {
    return req
  }
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
  const caller = {kind: 'bot' as const, botName: identity.botName, roles: identity.roles}
  return identity.joinAttrs === undefined ? caller : {...caller, join: identity.joinAttrs}
}

/** Renew: the current identity must verify; the new one carries the bot's roles as they are now. */
export async function renewBot(
  ca: CaMaterial, store: ResourceStore, currentCertDer: Uint8Array, publicKey: Uint8Array | KeyObject, ttlMs: number, now: () => Date,
): Promise<BotCertificate> {
  const caller = verifyBotCertificate(ca, currentCertDer, now())
  return mint(ca, store, {botName: caller.botName, publicKey: toKey(publicKey), ttlMs, joinAttrs: caller.join}, now)
}
