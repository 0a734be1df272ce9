/**
 * tbot against the server (`proxy_server` / `auth_server`): the remote twin of local-bot.ts. The
 * bot joins once over TLS with its single-use token (trusting the server per remote-trust.ts),
 * keeps its identity and the cluster CA in `storage` as an identity file (identity-file.ts), renews
 * over mutual TLS before expiry (and at once on start with a stored identity, so it acts with its
 * current roles), and asks the server for SVIDs with that identity.
 */
import {X509Certificate, createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {encodeJoinRequest, encodeRenewRequest, parseBotIdentity, type BotIdentityResponse, type JoinRequest} from '../../wire/bot-identity.js'
import {encodeChallengeRequest, parseChallengeResponse} from '../../wire/bound-keypair.js'
import {API} from '../../wire/paths.js'
import {SvidkitError} from '../../errors.js'
import type {Logger} from '../../log.js'
import type {BotConnection, BotSession, BotStorage, ConnectBot} from '../../issuance/contract.js'
import {HttpsJsonClient, type ServerTrust} from '../../net/https-client.js'
import {IDENTITY_FILE, decodeIdentityFile, encodeIdentityFile, identityFromKey, storedCertificateDer, type IdentityFile} from '../identity-file.js'
import {RemoteIssuer} from './issuer.js'
import {checkReceivedCas, joinTrust, sessionTrust, type RemoteTrustSettings} from './trust.js'

/** The same file name the local backend uses inside `storage`. */

/** A server and how to trust it. */
export interface RemoteServer {
  readonly url: string
  readonly trust: RemoteTrustSettings
}

interface SessionContext extends BotConnection {
  readonly url: string
  readonly trust: RemoteTrustSettings
  readonly log: Logger
}

/** A fresh identity key; only its public half (PKIX DER) is sent. */
function newKey(): {key: KeyObject; spki: Buffer} {
  const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
  return {key, spki: createPublicKey(key).export({type: 'spki', format: 'der'})}
}

async function clientFor(ctx: SessionContext, trust: ServerTrust, identity?: IdentityFile): Promise<HttpsJsonClient> {
  return HttpsJsonClient.create({
    url: ctx.url, trust, warn: (m) => ctx.log.warn(m),
    ...(identity === undefined ? {} : {identity: {certPem: identity.certPem, keyPem: identity.keyPem}}),
  })
}

/** The identity the server issued, for our key, with the cluster CA; checked and stored. */
async function keepIdentity(ctx: SessionContext, key: KeyObject, issued: BotIdentityResponse): Promise<IdentityFile> {
  const cert = new X509Certificate(issued.certDer)
  if (!cert.checkPrivateKey(key)) throw new SvidkitError('CONNECTION_PROBLEM', `${ctx.url}: the server issued a certificate for another key`)
  checkReceivedCas(ctx.trust, issued.caDers, ctx.url)
  const identity = identityFromKey(key, issued.certDer, issued.caDers)
  await ctx.storage.write([{name: IDENTITY_FILE, data: encodeIdentityFile(identity)}])
  return identity
}

class RemoteBotSession extends RemoteIssuer implements BotSession {
  private expiresAt: Date

  constructor(client: HttpsJsonClient, identity: IdentityFile, private readonly ctx: SessionContext) {
    super(client)
    this.expiresAt = new Date(new X509Certificate(identity.certPem).validTo)
  }

  /** The `token` method renews over mutual TLS; the delegated methods join again (Teleport's tbot). */
  async renew(signal?: AbortSignal): Promise<void> {
    let identity: IdentityFile
    if ((this.ctx.joinMethod ?? 'token') !== 'token') {
      identity = await join(this.ctx, signal)
    } else {
      const {key, spki} = newKey()
      const body = await this.client.post(API.botRenew, encodeRenewRequest({publicKeyDer: spki, ttlMs: this.ctx.credentialTtlMs}), signal ? {signal} : {})
      identity = await keepIdentity(this.ctx, key, parseBotIdentity(body))
    }
    const next = await clientFor(this.ctx, await sessionTrust(this.ctx.trust, identity.caPems), identity)
    const previous = this.client
    this.client = next
    this.expiresAt = new Date(new X509Certificate(identity.certPem).validTo)
    await previous.close()
  }

  identityExpiresAt(): Date {
    return this.expiresAt
  }
}

/** A stored identity still usable (its CA with it, issued by it, unexpired), or undefined: join again. */
async function loadUsableIdentity(storage: BotStorage, now: Date, log: Logger): Promise<IdentityFile | undefined> {
  const raw = await storage.read(IDENTITY_FILE)
  if (raw === undefined) return undefined
  let identity: IdentityFile
  try {
    identity = decodeIdentityFile(Buffer.from(raw).toString('utf8'), IDENTITY_FILE)
  } catch {
    log.warn('Stored bot identity is unreadable; joining again', {storage: storage.description})
    return undefined
  }
  const cert = new X509Certificate(identity.certPem)
  const issuedByCa = identity.caPems.some((pem) => cert.checkIssued(new X509Certificate(pem)) && cert.verify(new X509Certificate(pem).publicKey))
  const valid = now >= new Date(cert.validFrom) && now < new Date(cert.validTo)
  if (issuedByCa && valid) return identity
  log.warn('Stored bot identity cannot be used; joining again', {reason: issuedByCa ? 'expired' : 'not issued by a stored cluster CA'})
  return undefined
}

function wrapped(prefix: string, err: unknown, suffix = ''): unknown {
  return err instanceof SvidkitError ? new SvidkitError(err.code, `${prefix}: ${err.message}${suffix}`, {cause: err}) : err
}

/** With neither pins nor a CA file the system roots decide; a cluster-CA server then needs a pin. */
const PIN_HINT = '; to trust a server with the cluster\'s own certificate, pass its CA pin with --ca-pin (onboarding.ca_pins), as "tctl status" prints it'

/** bound_keypair: ask for a challenge, answer it with the bot's key, keep a rotated key once accepted. */
async function joinWithBoundKeypair(ctx: SessionContext, client: HttpsJsonClient, base: JoinRequest, key: KeyObject, signal?: AbortSignal): Promise<IdentityFile> {
  const options = signal ? {signal} : {}
  if (ctx.answerChallenge === undefined) throw new SvidkitError('BAD_PARAMETER', 'bound_keypair joining needs the bot\'s keypair')
  const challenge = parseChallengeResponse(await client.post(API.botJoinChallenge, encodeChallengeRequest({token: base.token}), options))
  const prepared = await ctx.answerChallenge(challenge)
  const current = await storedCertificateDer((name) => ctx.storage.read(name))
  const request = {...base, boundKeypair: prepared.answer, ...(current ? {currentIdentityDer: current} : {})}
  const identity = await keepIdentity(ctx, key, parseBotIdentity(await client.post(API.botJoin, encodeJoinRequest(request), options)))
  await prepared.commit()
  return identity
}

async function join(ctx: SessionContext, signal?: AbortSignal): Promise<IdentityFile> {
  const token = ctx.joinToken()
  const method = ctx.joinMethod ?? 'token'
  const trust = await joinTrust(ctx.trust)
  const client = await clientFor(ctx, trust)
  try {
    const {key, spki} = newKey()
    const base = {token, publicKeyDer: spki, ttlMs: ctx.credentialTtlMs, ...(method !== 'token' ? {joinMethod: method} : {})}
    if (method === 'bound_keypair') return await joinWithBoundKeypair(ctx, client, base, key, signal)
    const idToken = method === 'token' ? undefined : await ctx.joinIdToken?.(signal)
    const request = {...base, ...(idToken !== undefined ? {idToken} : {})}
    const body = await client.post(API.botJoin, encodeJoinRequest(request), signal ? {signal} : {})
    return await keepIdentity(ctx, key, parseBotIdentity(body))
  } catch (err) {
    const systemRoots = trust.kind === 'ca' && ctx.trust.caPath === undefined
    const hint = systemRoots && err instanceof SvidkitError && err.code === 'CONNECTION_PROBLEM' ? PIN_HINT : ''
    throw wrapped('joining the cluster failed', err, hint)
  } finally {
    await client.close()
  }
}

/** ConnectBot for a server. */
export function connectRemoteBot(server: RemoteServer, now: () => Date = () => new Date()): ConnectBot {
  return async (connection, deps) => {
    const {url, trust} = server
    const {storage} = connection
    const ctx: SessionContext = {...connection, url, trust, log: deps.log}
    const stored = await loadUsableIdentity(storage, now(), deps.log)
    if (stored === undefined) {
      const identity = await join(ctx, deps.signal)
      deps.log.info('Joined the cluster', {server: url, storage: storage.description})
      return new RemoteBotSession(await clientFor(ctx, await sessionTrust(trust, identity.caPems), identity), identity, ctx)
    }
    const session = new RemoteBotSession(await clientFor(ctx, await sessionTrust(trust, stored.caPems), stored), stored, ctx)
    try {
      await session.renew(deps.signal)
    } catch (err) {
      await session.close()
      throw wrapped('renewing the stored bot identity failed', err)
    }
    deps.log.info('Renewed the stored bot identity', {server: url, storage: storage.description, expires: session.identityExpiresAt()})
    return session
  }
}
