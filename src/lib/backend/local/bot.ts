/**
 * tbot on the local backend: the bot joins and renews through the data directory's Authority,
 * in-process, exactly as it would through the server — it spends its single-use token once, keeps
 * its identity (certificate + key) in `storage`, and renews it before it expires and at each start
 * with a stored identity. SVIDs are issued with the identity's roles (authority/caller.ts), which are
 * the bot's roles as of its latest join or renewal.
 */
import {X509Certificate, createPrivateKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import type {Authority} from '../../authority/authority.js'
import type {CaMaterial} from '../../ca/ca-material.js'
import {IDENTITY_FILE, decodeIdentityFile, encodeIdentityFile, identityFromKey, storedCertificateDer} from '../identity-file.js'
import {joinBot, renewBot, verifyBotCertificate, type BotCertificate, type BotJoinDeps} from '../../authority/bot-identity.js'
import {boundKeypairChallenge} from '../../join/index.js'
import {ChallengeBook} from '../../join/challenge-book.js'
import type {BotJoinEvent} from '../../authority/audit-line.js'
import type {Caller} from '../../authority/caller.js'
import {SvidkitError} from '../../errors.js'
import type {Logger} from '../../log.js'
import type {BotConnection, BotSession, BotStorage, ConnectBot, IssueJwtRequest, IssueX509Request, JwtSvidCredential, TrustBundle, X509SvidCredential} from '../../issuance/contract.js'
import {LocalBackend} from './backend.js'
import {localTrustBundle} from '../../federation/local.js'

interface StoredIdentity {
  readonly certDer: Buffer
  readonly key: KeyObject
}

/** The same identity file a remote bot keeps (identity-file.ts): key, certificate, the cluster's TLS CA. */
function encodeIdentity(id: StoredIdentity, ca: CaMaterial): string {
  return encodeIdentityFile(identityFromKey(id.key, id.certDer, [ca.botCa.certDer]))
}

function decodeIdentity(text: string): StoredIdentity | undefined {
  try {
    const file = decodeIdentityFile(text, IDENTITY_FILE)
    return {certDer: new X509Certificate(file.certPem).raw, key: createPrivateKey(file.keyPem)}
  } catch {
    return undefined
  }
}

class LocalBotSession implements BotSession {
  private caller: Caller & {kind: 'bot'}
  private expiresAt: Date

  constructor(
    private readonly backend: LocalBackend,
    private readonly authority: Authority,
    private readonly storage: BotStorage,
    private identity: StoredIdentity,
    private readonly connection: BotConnection,
  ) {
    this.caller = verifyBotCertificate(authority.ca, identity.certDer, backend.clock())
    this.expiresAt = new Date(new X509Certificate(identity.certDer).validTo)
  }

  /** The identity must still be valid at each use: an expired one is refused, as the server would. */
  private currentCaller(): Caller {
    this.caller = verifyBotCertificate(this.authority.ca, this.identity.certDer, this.backend.clock())
    return this.caller
  }

  issueX509Svids(request: IssueX509Request): Promise<readonly X509SvidCredential[]> {
    return this.authority.issueX509Svids({
      caller: this.currentCaller(), selector: request.selector, publicKey: request.publicKeyDer, ttlMs: request.ttlMs,
      ...(request.workloadAttrs ? {workloadAttrs: request.workloadAttrs} : {}),
    })
  }

  issueJwtSvids(request: IssueJwtRequest): Promise<readonly JwtSvidCredential[]> {
    return this.authority.issueJwtSvids({
      caller: this.currentCaller(), selector: request.selector, audiences: request.audiences, ttlMs: request.ttlMs,
      ...(request.workloadAttrs ? {workloadAttrs: request.workloadAttrs} : {}),
    })
  }

  /** Federated bundles included; with no server syncing them, this process syncs those that are due. */
  async trustBundle(signal?: AbortSignal): Promise<TrustBundle> {
    return localTrustBundle(this.backend, await this.authority.trustBundle(), signal)
  }

  /** The `token` method renews with its identity; the delegated methods join again (Teleport's tbot). */
  async renew(signal?: AbortSignal): Promise<void> {
    const rejoin = (this.connection.joinMethod ?? 'token') !== 'token'
    const identity = rejoin
      ? await joinLocally(this.backend, this.authority, this.connection, signal)
      : await this.renewIdentity()
    await saveIdentity(this.storage, identity, this.authority.ca)
    const cert = {certDer: identity.certDer, expiresAt: new Date(new X509Certificate(identity.certDer).validTo)}
    this.identity = identity
    this.caller = verifyBotCertificate(this.authority.ca, cert.certDer, this.backend.clock())
    this.expiresAt = cert.expiresAt
  }

  private async renewIdentity(): Promise<StoredIdentity> {
    const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
    const cert = await renewBot(this.authority.ca, this.backend.store, this.identity.certDer, key, this.connection.credentialTtlMs, this.backend.clock)
    return {certDer: cert.certDer, key}
  }

  identityExpiresAt(): Date {
    return this.expiresAt
  }

  close(): Promise<void> {
    return this.authority.flush()
  }
}

async function saveIdentity(storage: BotStorage, id: StoredIdentity, ca: CaMaterial): Promise<void> {
  await storage.write([{name: IDENTITY_FILE, data: encodeIdentity(id, ca)}])
}

/** A stored identity still usable for renewal, or undefined (then the bot joins with its token). */
async function loadUsableIdentity(storage: BotStorage, authority: Authority, now: Date, log: Logger): Promise<StoredIdentity | undefined> {
  const raw = await storage.read(IDENTITY_FILE)
  if (!raw) return undefined
  const identity = decodeIdentity(Buffer.from(raw).toString('utf8'))
  if (!identity) {
    log.warn('Stored bot identity is unreadable; joining again', {storage: storage.description})
    return undefined
  }
  try {
    verifyBotCertificate(authority.ca, identity.certDer, now)
    return identity
  } catch (err) {
    log.warn('Stored bot identity cannot be used; joining again', {reason: (err as Error).message})
    return undefined
  }
}

/** bound_keypair in-process: the same challenge and answer the server's two routes exchange (server/bot-routes.ts). */
async function joinWithBoundKeypair(deps: BotJoinDeps, connection: BotConnection, token: string, key: KeyObject): Promise<BotCertificate> {
  const book = new ChallengeBook()
  const challenge = await boundKeypairChallenge(deps.store, token, book, {clusterName: deps.ca.clusterName, now: deps.now()})
  if (connection.answerChallenge === undefined) throw new SvidkitError('BAD_PARAMETER', 'bound_keypair joining needs the bot\'s keypair')
  const prepared = await connection.answerChallenge(challenge)
  const current = await storedCertificateDer((name) => connection.storage.read(name))
  const request = {method: 'bound_keypair' as const, token, boundKeypair: {answer: prepared.answer, book}, ...(current ? {currentIdentityDer: current} : {})}
  const cert = await joinBot(deps, request, key, connection.credentialTtlMs)
  await prepared.commit()
  return cert
}

/** Join through the Authority in-process, exactly as the server's join route does (server/bot-routes.ts). */
async function joinLocally(backend: LocalBackend, authority: Authority, connection: BotConnection, signal?: AbortSignal): Promise<StoredIdentity> {
  const method = connection.joinMethod ?? 'token'
  const token = connection.joinToken()
  try {
    const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
    const deps = {ca: authority.ca, store: backend.store, now: backend.clock, audit: (e: BotJoinEvent) => authority.recordBotJoin(e)}
    if (method === 'bound_keypair') {
      const cert = await joinWithBoundKeypair(deps, connection, token, key)
      return {certDer: cert.certDer, key}
    }
    const idToken = method === 'token' ? undefined : await connection.joinIdToken?.(signal)
    const cert = await joinBot(deps, {method, token, ...(idToken !== undefined ? {idToken} : {})}, key, connection.credentialTtlMs)
    return {certDer: cert.certDer, key}
  } catch (err) {
    if (err instanceof SvidkitError) throw new SvidkitError(err.code, `joining the cluster failed: ${err.message}`, {cause: err})
    throw err
  }
}

/** ConnectBot for the local backend over `dataDir` (which must already hold a cluster). */
export function connectLocalBot(dataDir: string, options: {policyMaxAgeMs?: number} = {}): ConnectBot {
  return async (connection, deps) => {
    const {storage} = connection
    const backend = await LocalBackend.open({dataDir, create: false, ...options})
    const authority = await backend.authority()
    const identity = await loadUsableIdentity(storage, authority, backend.clock(), deps.log)
    if (!identity) {
      const joined = await joinLocally(backend, authority, connection, deps.signal)
      await saveIdentity(storage, joined, authority.ca)
      deps.log.info('Joined the cluster', {cluster: backend.clusterName, storage: storage.description})
      return new LocalBotSession(backend, authority, storage, joined, connection)
    }
    // A stored identity carries the roles the bot had when it was issued: renew it at once (as
    // Teleport's tbot does on start) so this run acts with the bot's roles as they are now.
    const session = new LocalBotSession(backend, authority, storage, identity, connection)
    try {
      await session.renew()
    } catch (err) {
      if (err instanceof SvidkitError) throw new SvidkitError(err.code, `renewing the stored bot identity failed: ${err.message}`, {cause: err})
      throw err
    }
    deps.log.info('Renewed the stored bot identity', {cluster: backend.clusterName, storage: storage.description, expires: session.identityExpiresAt()})
    return session
  }
}
