/**
 * tbot's WorkloadIdentitySource over a BotSession: what the Workload API server
 * (workloadapi/server.ts) serves for one workload-identity-api service (teleport.md §6 "Workload API
 * service"). Entitlement is the cluster's decision: each caller's attested attributes go with the
 * issuance request (`workloadAttrs`), and an empty answer means "not entitled".
 *
 * - X.509-SVIDs are issued per distinct caller (same attributes → same SVIDs), for a key made here,
 *   and cached until the next rotation; concurrent first calls share one issuance.
 * - Every renewal_interval (± jitter) the cache is dropped and subscribers are told, so open
 *   FetchX509SVID streams receive fresh SVIDs (rotation).
 * - The trust bundle is polled; when its fingerprint changes (CA rotation, federation) the bundles
 *   object is replaced, the SVID cache dropped, and subscribers told.
 * - JWT-SVIDs are issued per request (audiences differ), never cached.
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import type {Logger} from '../log.js'
import {SpiffeId, TrustDomain} from '../spiffe/id.js'
import type {
  JwtSvidEntry, TrustBundles, TrustDomainBundle, WorkloadCaller, WorkloadIdentitySource, X509SvidEntry,
} from '../workloadapi/source.js'
import {defaultBackoff} from './backoff.js'
import type {Clock} from './clock.js'
import type {WorkloadIdentitySelector} from './config-types.js'
import type {BotSession, TrustBundle, TrustDomainAuthorities} from './issuer.js'
import {RenewalLoop} from './loop.js'
import {generateP256Key} from './services.js'

export interface SessionSourceOptions {
  readonly session: BotSession
  readonly selector: WorkloadIdentitySelector
  readonly credentialTtlMs: number
  readonly renewalIntervalMs: number
  readonly bundlePollIntervalMs: number
  readonly clock: Clock
  readonly random: () => number
  readonly log: Logger
}

export class SessionWorkloadSource implements WorkloadIdentitySource {
  private current: TrustBundles | undefined
  private fingerprint = ''
  private readonly cache = new Map<string, Promise<readonly X509SvidEntry[]>>()
  private readonly listeners = new Set<() => void>()
  private readonly stopper = new AbortController()
  private loops: Promise<void>[] = []

  constructor(private readonly options: SessionSourceOptions) {}

  /** Fetches the trust bundle (so `bundles()` can answer) and starts rotation and bundle polling. */
  async start(): Promise<void> {
    this.setBundle(await this.options.session.trustBundle(this.stopper.signal))
    const {clock, random, log} = this.options
    const timing = (intervalMs: number) => ({intervalMs, backoff: defaultBackoff(intervalMs), clock, random, log})
    const rotation = new RenewalLoop({action: 'rotate Workload API SVIDs', run: async () => {
      this.cache.clear()
      this.notify()
    }}, timing(this.options.renewalIntervalMs))
    const poll = new RenewalLoop({action: 'check the SPIFFE trust bundle', run: async (signal) => {
      const bundle = await this.options.session.trustBundle(signal)
      if (bundle.fingerprint === this.fingerprint) return
      log.info('Trust bundle changed, pushing it to Workload API clients')
      this.setBundle(bundle)
      this.cache.clear()
      this.notify()
    }}, timing(this.options.bundlePollIntervalMs))
    this.loops = [rotation.run(this.stopper.signal, {waitFirst: true}), poll.run(this.stopper.signal, {waitFirst: true})]
  }

  async stop(): Promise<void> {
    this.stopper.abort()
    await Promise.all(this.loops)
  }

  x509Svids(caller: WorkloadCaller): Promise<readonly X509SvidEntry[]> {
    const key = stableKey(caller.workload ?? null)
    let entry = this.cache.get(key)
    if (entry === undefined) {
      entry = this.issueX509(caller.workload)
      this.cache.set(key, entry)
      entry.catch(() => {
        if (this.cache.get(key) === entry) this.cache.delete(key)
      })
    }
    return entry
  }

  async jwtSvids(caller: WorkloadCaller, audiences: readonly string[], spiffeId?: SpiffeId): Promise<readonly JwtSvidEntry[]> {
    const credentials = await this.options.session.issueJwtSvids({
      selector: this.options.selector,
      audiences,
      ttlMs: this.options.credentialTtlMs,
      ...(caller.workload !== undefined ? {workloadAttrs: caller.workload} : {}),
    })
    const entries = credentials.map((c) => ({spiffeId: SpiffeId.parse(c.spiffeId), token: c.jwt, hint: c.hint}))
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

  private async issueX509(workloadAttrs: WorkloadAttrs | undefined): Promise<readonly X509SvidEntry[]> {
    const key = await generateP256Key()
    const credentials = await this.options.session.issueX509Svids({
      selector: this.options.selector,
      publicKeyDer: key.publicKeyDer,
      ttlMs: this.options.credentialTtlMs,
      ...(workloadAttrs !== undefined ? {workloadAttrs} : {}),
    })
    this.options.log.info('Issued X509 SVIDs for a workload', {
      spiffe_ids: credentials.map((c) => c.spiffeId),
      pid: workloadAttrs?.unix?.pid,
    })
    return credentials.map((c) => ({
      spiffeId: SpiffeId.parse(c.spiffeId),
      chain: [c.certificateDer, ...c.chainDer],
      privateKey: key.privateKeyDer,
      hint: c.hint,
    }))
  }

  private setBundle(bundle: TrustBundle): void {
    this.fingerprint = bundle.fingerprint
    this.current = {local: toDomainBundle(bundle), federated: bundle.federated.map(toDomainBundle)}
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }
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
