/**
 * tbot's WorkloadIdentitySource over a BotSession: what the Workload API server
 * (workloadapi/server.ts) serves for one workload-identity-api service (Teleport's
 * lib/tbot/service_workload_identity_api.go). Entitlement is the cluster's decision: each caller's
 * attested attributes go with the issuance request (`workloadAttrs`; the cluster adds `user.*` and
 * `join.*` from the bot's own identity), and an empty answer means "not entitled".
 *
 * - SVIDs are cached per caller (same attested attributes → same SVIDs; the pid is part of them, so
 *   one process's streams and calls share one issuance) in SvidCache (workload-cache.ts): X.509 per
 *   caller, for a key made here; JWT per caller and audience list (as SPIRE's agent does; Teleport's
 *   tbot signs one per request). Each cache holds at most 1024 entries and 16 MiB, whatever callers
 *   ask for.
 * - Every renewal_interval (± jitter) the caches are dropped and subscribers are told, so open
 *   FetchX509SVID streams receive fresh SVIDs (rotation). An entry whose credentials reach half
 *   their granted TTL sooner (a workload identity's maximum TTL can cap it below renewal_interval)
 *   is replaced then, and subscribers are told at that moment too, so no stream holds an expired SVID.
 * - The trust bundle is polled; when its fingerprint changes (CA rotation, federation) the bundles
 *   object is replaced, the caches dropped, and subscribers told.
 * - Entitlement changes in the cluster (a role or rule edited) apply from the next rotation.
 */
import type {Logger} from '../log.js'
import {SpiffeId, TrustDomain} from '../spiffe/id.js'
import type {
  JwtSvidEntry, TrustBundles, TrustDomainBundle, WorkloadCaller, WorkloadIdentitySource, X509SvidEntry,
} from '../workloadapi/source.js'
import {defaultBackoff} from './backoff.js'
import type {Clock} from './clock.js'
import type {WorkloadIdentitySelector} from './config/types.js'
import type {BotSession, CredentialMeta, TrustBundle, TrustDomainAuthorities} from '../issuance/contract.js'
import {RenewalLoop} from './loop.js'
import {svidsIssued} from '../metrics/tbot.js'
import {generateP256Key} from './services.js'
import {SvidCache, type Issued} from './workload-cache.js'

/** Distinct callers (or caller × audiences) remembered at most, per kind. */
export const DEFAULT_CACHE_CAPACITY = 1024
/**
 * Bytes of keys and SVIDs remembered at most, per kind: with the Workload API's request limits
 * (16 audiences of 1 KiB) a JWT-SVID entry is at most ~40 KB, so this keeps hundreds of them while
 * bounding what callers choosing new audiences can make tbot hold.
 */
export const DEFAULT_CACHE_MAX_BYTES = 16 * 1024 * 1024
/** Per SVID, for the objects around its bytes (SpiffeId, arrays): an estimate, only to bound memory. */
const ENTRY_OVERHEAD_BYTES = 256

export interface SessionSourceOptions {
  readonly session: BotSession
  readonly selector: WorkloadIdentitySelector
  readonly credentialTtlMs: number
  readonly renewalIntervalMs: number
  readonly bundlePollIntervalMs: number
  readonly clock: Clock
  readonly random: () => number
  readonly log: Logger
  readonly cacheCapacity?: number
  readonly cacheMaxBytes?: number
}

export class SessionWorkloadSource implements WorkloadIdentitySource {
  private current: TrustBundles | undefined
  private fingerprint = ''
  private readonly x509: SvidCache<readonly X509SvidEntry[]>
  private readonly jwt: SvidCache<readonly JwtSvidEntry[]>
  private readonly callerKeys = new WeakMap<WorkloadCaller, string>()
  private readonly listeners = new Set<() => void>()
  private readonly stopper = new AbortController()
  private rotation: RenewalLoop | undefined
  private loops: Promise<void>[] = []
  /** The pending early refresh (an entry going stale before the next rotation). */
  private refresh: {at: number; cancel: AbortController} | undefined

  constructor(private readonly options: SessionSourceOptions) {
    const now = () => options.clock.now().getTime()
    const capacity = options.cacheCapacity ?? DEFAULT_CACHE_CAPACITY
    const maxBytes = options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES
    this.x509 = new SvidCache({capacity, maxBytes, sizeOf: x509EntriesSize}, now)
    this.jwt = new SvidCache({capacity, maxBytes, sizeOf: jwtEntriesSize}, now)
  }

  /** Fetches the trust bundle (so `bundles()` can answer) and starts rotation and bundle polling. */
  async start(): Promise<void> {
    this.setBundle(await this.options.session.trustBundle(this.stopper.signal))
    const {clock, random, log} = this.options
    const timing = (intervalMs: number) => ({intervalMs, backoff: defaultBackoff(intervalMs), clock, random, log})
    this.rotation = new RenewalLoop({action: 'rotate Workload API SVIDs', run: async () => {
      log.debug('Rotating Workload API SVIDs')
      this.dropAndNotify()
    }}, timing(this.options.renewalIntervalMs))
    const poll = new RenewalLoop({action: 'check the SPIFFE trust bundle', run: async (signal) => {
      const bundle = await this.options.session.trustBundle(signal)
      if (bundle.fingerprint === this.fingerprint) return
      log.info('Trust bundle changed, pushing it to Workload API clients')
      this.setBundle(bundle)
      this.dropAndNotify()
    }}, timing(this.options.bundlePollIntervalMs))
    this.loops = [this.rotation.run(this.stopper.signal, {waitFirst: true}), poll.run(this.stopper.signal, {waitFirst: true})]
  }

  async stop(): Promise<void> {
    this.stopper.abort()
    this.refresh?.cancel.abort()
    await Promise.all(this.loops)
  }

  /** Rotates now rather than at the next renewal interval (the interval restarts from here). */
  rotateNow(reason: string): void {
    this.rotation?.trigger(reason)
  }

  x509Svids(caller: WorkloadCaller): Promise<readonly X509SvidEntry[]> {
    return this.x509.get(this.callerKey(caller), () => this.track(this.issueX509(caller)))
  }

  async jwtSvids(caller: WorkloadCaller, audiences: readonly string[], spiffeId?: SpiffeId): Promise<readonly JwtSvidEntry[]> {
    const key = `${this.callerKey(caller)}\n${JSON.stringify(audiences)}`
    const entries = await this.jwt.get(key, () => this.track(this.issueJwt(caller, audiences)))
    return spiffeId === undefined ? entries : entries.filter((e) => e.spiffeId.equals(spiffeId))
  }

  bundles(): TrustBundles {
    if (this.current === undefined) throw new TypeError('SessionWorkloadSource.start() has not been called')
    return this.current
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private async issueX509(caller: WorkloadCaller): Promise<Issued<readonly X509SvidEntry[]>> {
    const workloadAttrs = caller.workload
    const key = await generateP256Key()
    const credentials = await this.options.session.issueX509Svids({
      selector: this.options.selector,
      publicKeyDer: key.publicKeyDer,
      ttlMs: this.options.credentialTtlMs,
      ...(workloadAttrs !== undefined ? {workloadAttrs} : {}),
    })
    svidsIssued('x509', credentials)
    this.options.log.info('Issued X509 SVIDs for a workload', {
      spiffe_ids: credentials.map((c) => c.spiffeId),
      pid: workloadAttrs?.unix?.pid,
      expires: credentials[0]?.expiresAt,
    })
    const value = credentials.map((c) => ({
      spiffeId: SpiffeId.parse(c.spiffeId),
      chain: [c.certificateDer, ...c.chainDer],
      privateKey: key.privateKeyDer,
      hint: c.hint,
    }))
    return {value, ttlMs: shortestTtl(credentials)}
  }

  private async issueJwt(caller: WorkloadCaller, audiences: readonly string[]): Promise<Issued<readonly JwtSvidEntry[]>> {
    const credentials = await this.options.session.issueJwtSvids({
      selector: this.options.selector,
      audiences,
      ttlMs: this.options.credentialTtlMs,
      ...(caller.workload !== undefined ? {workloadAttrs: caller.workload} : {}),
    })
    svidsIssued('jwt', credentials)
    const value = credentials.map((c) => ({spiffeId: SpiffeId.parse(c.spiffeId), token: c.jwt, hint: c.hint}))
    return {value, ttlMs: shortestTtl(credentials)}
  }

  /** After an issuance, makes sure streams hear about it when its entry goes stale before rotation. */
  private async track<V>(issuing: Promise<Issued<V>>): Promise<Issued<V>> {
    const issued = await issuing
    if (issued.ttlMs !== undefined) this.scheduleRefresh(this.options.clock.now().getTime() + issued.ttlMs / 2)
    return issued
  }

  private scheduleRefresh(at: number): void {
    if (this.stopper.signal.aborted || (this.refresh !== undefined && this.refresh.at <= at)) return
    this.refresh?.cancel.abort()
    const cancel = new AbortController()
    this.refresh = {at, cancel}
    const {clock} = this.options
    void clock.sleep(at - clock.now().getTime(), cancel.signal).then(() => {
      if (cancel.signal.aborted) return
      this.refresh = undefined
      const next = Math.min(this.x509.nextStaleAt() ?? Infinity, this.jwt.nextStaleAt() ?? Infinity)
      if (next !== Infinity) this.scheduleRefresh(next)
      this.options.log.debug('Workload API SVIDs reached half their lifetime before rotation; refreshing them')
      this.notify()
    })
  }

  /** Rotation or a new trust bundle: nothing issued before is served again. */
  private dropAndNotify(): void {
    this.x509.clear()
    this.jwt.clear()
    this.refresh?.cancel.abort()
    this.refresh = undefined
    this.notify()
  }

  /** One key per caller object (the server hands out one frozen object per attested process). */
  private callerKey(caller: WorkloadCaller): string {
    let key = this.callerKeys.get(caller)
    if (key === undefined) {
      key = stableKey(caller.workload ?? null)
      this.callerKeys.set(caller, key)
    }
    return key
  }

  private setBundle(bundle: TrustBundle): void {
    this.fingerprint = bundle.fingerprint
    this.current = {local: toDomainBundle(bundle), federated: bundle.federated.map(toDomainBundle)}
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }
}

function x509EntriesSize(entries: readonly X509SvidEntry[]): number {
  let bytes = 0
  for (const e of entries) {
    bytes += ENTRY_OVERHEAD_BYTES + e.privateKey.length + (e.hint?.length ?? 0) + e.spiffeId.toString().length
    for (const der of e.chain) bytes += der.length
  }
  return bytes
}

function jwtEntriesSize(entries: readonly JwtSvidEntry[]): number {
  let bytes = 0
  for (const e of entries) bytes += ENTRY_OVERHEAD_BYTES + e.token.length + (e.hint?.length ?? 0) + e.spiffeId.toString().length
  return bytes
}

function shortestTtl(credentials: readonly CredentialMeta[]): number | undefined {
  return credentials.length === 0 ? undefined : Math.min(...credentials.map((c) => c.ttlMs))
}

function toDomainBundle(authorities: TrustDomainAuthorities): TrustDomainBundle {
  return {
    trustDomain: TrustDomain.parse(authorities.trustDomain),
    x509Authorities: pemCertificates(authorities.x509Pem),
    jwtAuthorities: authorities.jwtKeys,
  }
}

/** The DER of each CERTIFICATE block in a PEM text. */
export function pemCertificates(pem: string): Uint8Array[] {
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)
  return [...blocks].map((m) => new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')))
}

/** JSON with sorted keys: equal attributes give equal cache keys whatever their field order. */
function stableKey(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)
}
