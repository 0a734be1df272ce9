/**
 * The SPIFFE federation syncer (Teleport's lib/auth/machineid/machineidv1/spiffe_federation_syncer.go):
 * keeps each spiffe_federation's `status.current_bundle` up to date from its bundle source.
 *
 * - A federation syncs when it has no bundle yet, its `next_sync_at` has passed, or its source
 *   changed since the bundle was fetched (shouldSyncFederation upstream).
 * - https_web: the next sync is after the bundle's spiffe_refresh_hint clamped to 1 minute..24 hours,
 *   5 minutes when it has none. Static: parsed once per source change.
 * - A failed sync leaves current_bundle alone (the last good bundle stays in use), records
 *   `last_sync_error`, and is retried after a backoff doubling from 1 s to 5 minutes (Teleport
 *   retries linearly to 10 s; a broken foreign endpoint deserves less traffic).
 * - Only the holder of the leader lock syncs (leader-lock.ts); the others retry the lock now and then.
 * - The status is written only if the spec is still the one that was synced (compare under the
 *   store's transaction), so a user's edit is never overwritten with a stale result.
 */
import {discardLogger, type Logger} from '../log.js'
import {formatProtoDuration} from '../duration.js'
import {formatExpires} from '../resources/metadata.js'
import {
  sameBundleSource, type SpiffeFederation, type SpiffeFederationBundleSource, type SpiffeFederationStatus,
} from '../resources/spiffe-federation.js'
import {TrustDomain} from '../spiffe/id.js'
import type {SpiffeBundle} from '../spiffe/spiffe-bundle.js'
import type {ResourceStore} from '../storage/resource-store.js'
import {createBundleFetcher, parseBundle, type BundleFetcher, type BundleFetcherOptions} from './fetch-bundle.js'
import {ALWAYS_LEADER, type LeaderLease, type LeaderLock} from './leader-lock.js'

const MINUTE_MS = 60_000

export interface SyncIntervals {
  readonly minRefreshMs: number
  readonly maxRefreshMs: number
  readonly defaultRefreshMs: number
  readonly firstRetryMs: number
  readonly maxRetryMs: number
  /** How often the loop looks for new, changed and due federations. */
  readonly tickMs: number
  /** How often a replica that is not the leader tries the lock again. */
  readonly leaderRetryMs: number
}

export const DEFAULT_SYNC_INTERVALS: SyncIntervals = {
  minRefreshMs: MINUTE_MS, maxRefreshMs: 24 * 60 * MINUTE_MS, defaultRefreshMs: 5 * MINUTE_MS,
  firstRetryMs: 1000, maxRetryMs: 5 * MINUTE_MS, tickMs: 1000, leaderRetryMs: 15_000,
}

export interface FederationSyncerOptions {
  readonly store: ResourceStore
  readonly lock?: LeaderLock
  readonly log?: Logger
  readonly now?: () => Date
  /** The cluster's own trust domain: a federation with itself is refused. */
  readonly localTrustDomain?: string
  readonly intervals?: Partial<SyncIntervals>
  readonly fetcher?: BundleFetcherOptions
}

interface Backoff {
  readonly source: SpiffeFederationBundleSource
  readonly failures: number
  readonly retryAt: number
}

export class FederationSyncer {
  private readonly intervals: SyncIntervals
  private readonly log: Logger
  private readonly now: () => Date
  private readonly backoff = new Map<string, Backoff>()
  private fetcher: Promise<BundleFetcher> | undefined

  constructor(private readonly options: FederationSyncerOptions) {
    this.intervals = {...DEFAULT_SYNC_INTERVALS, ...options.intervals}
    this.log = options.log ?? discardLogger
    this.now = options.now ?? (() => new Date())
  }

  /** Runs until `signal` aborts: syncs while holding the leader lock, else waits for it. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted) {
        const lease = await this.tryLead()
        if (lease === undefined) {
          await sleep(this.intervals.leaderRetryMs, signal)
          continue
        }
        this.log.info('Leading SPIFFE federation sync')
        try {
          while (!signal.aborted) {
            await this.syncDue(signal)
            await sleep(this.intervals.tickMs, signal)
          }
        } finally {
          await lease.release().catch(() => undefined)
        }
      }
    } finally {
      await this.close()
    }
  }

  /** One pass under the leader lock when it is free now: for readers that sync on demand (the local backend). */
  async syncDueIfLeader(signal?: AbortSignal): Promise<void> {
    const federations = await this.options.store.list('spiffe_federation')
    if (!federations.some((f) => this.isDue(f))) return
    const lease = await this.tryLead()
    if (lease === undefined) return
    try {
      await this.syncDue(signal)
    } finally {
      await lease.release().catch(() => undefined)
      await this.close()
    }
  }

  /** One pass: every federation that is due is synced (call only as the leader). */
  async syncDue(signal?: AbortSignal): Promise<void> {
    const federations = await this.options.store.list('spiffe_federation')
    const names = new Set(federations.map((f) => f.metadata.name))
    for (const name of this.backoff.keys()) if (!names.has(name)) this.backoff.delete(name)
    await Promise.all(federations.filter((f) => this.isDue(f)).map((f) => this.sync(f, signal)))
  }

  async close(): Promise<void> {
    const fetcher = this.fetcher
    this.fetcher = undefined
    await (await fetcher)?.close()
  }

  private tryLead(): Promise<LeaderLease | undefined> {
    return (this.options.lock ?? ALWAYS_LEADER).tryAcquire().catch((err: unknown) => {
      this.log.warn('Could not take the SPIFFE federation syncer lock', {error: err})
      return undefined
    })
  }

  private isDue(federation: SpiffeFederation): boolean {
    const source = federation.spec.bundle_source
    const waiting = this.backoff.get(federation.metadata.name)
    const now = this.now().getTime()
    if (waiting !== undefined && sameBundleSource(waiting.source, source)) return waiting.retryAt <= now
    return syncReason(federation, now) !== undefined
  }

  private async sync(federation: SpiffeFederation, signal?: AbortSignal): Promise<void> {
    const name = federation.metadata.name
    const source = federation.spec.bundle_source
    const attemptedAt = this.now()
    this.log.info('SPIFFE federation sync starting', {trust_domain: name, reason: syncReason(federation, attemptedAt.getTime()) ?? 'retry'})
    try {
      const fetched = await this.fetch(federation, signal)
      this.backoff.delete(name)
      await this.writeStatus(name, source, successStatus(fetched, source, attemptedAt, this.intervals))
      this.log.info('SPIFFE federation sync finished', {trust_domain: name})
    } catch (err) {
      const previous = this.backoff.get(name)
      const failures = previous !== undefined && sameBundleSource(previous.source, source) ? previous.failures + 1 : 1
      const delay = Math.min(this.intervals.maxRetryMs, this.intervals.firstRetryMs * 2 ** (failures - 1))
      this.backoff.set(name, {source, failures, retryAt: attemptedAt.getTime() + delay})
      const message = (err as Error).message
      this.log.error('Failed to sync federation, will retry after backoff', {trust_domain: name, error: message, backoff_ms: delay})
      await this.writeStatus(name, source, (stored) => ({
        ...stored, last_sync_error: message, last_sync_attempted_at: formatExpires(attemptedAt),
      })).catch((writeErr: unknown) => this.log.error('Could not record the SPIFFE federation sync error', {error: writeErr}))
    }
  }

  private async fetch(federation: SpiffeFederation, signal?: AbortSignal): Promise<{bundle: SpiffeBundle; fromWeb: boolean}> {
    const trustDomain = TrustDomain.parse(federation.metadata.name)
    if (trustDomain.name === this.options.localTrustDomain) {
      throw new Error(`cannot federate with the cluster's own trust domain ${JSON.stringify(trustDomain.name)}`)
    }
    const source = federation.spec.bundle_source
    if (source.static !== undefined) return {bundle: parseBundle(trustDomain, source.static.bundle), fromWeb: false}
    const url = source.https_web?.bundle_endpoint_url ?? ''
    this.fetcher ??= createBundleFetcher(this.options.fetcher)
    const {bundle} = await (await this.fetcher).fetch(trustDomain, url, signal)
    return {bundle, fromWeb: true}
  }

  /** Writes `status(stored status)` unless the federation is gone or its source changed meanwhile. */
  private async writeStatus(
    name: string, source: SpiffeFederationBundleSource,
    status: (stored: SpiffeFederationStatus) => SpiffeFederationStatus,
  ): Promise<void> {
    await this.options.store.transact(async (tx) => {
      const current = await tx.get('spiffe_federation', name)
      if (current === undefined || !sameBundleSource(current.spec.bundle_source, source)) return
      tx.put({...current, status: status(current.status ?? {})})
    })
  }
}

/** Why a federation needs syncing now, or undefined (Teleport's shouldSyncFederation). */
export function syncReason(federation: SpiffeFederation, nowMs: number): string | undefined {
  const status = federation.status
  if (status === undefined) return 'no_status'
  if (status.current_bundle === undefined) return 'no_current_bundle'
  if (status.current_bundle_synced_at === undefined) return 'no_current_bundle_synced_at'
  if (status.next_sync_at !== undefined && Date.parse(status.next_sync_at) <= nowMs) return 'next_sync_at_passed'
  if (!sameBundleSource(status.current_bundle_synced_from, federation.spec.bundle_source)) return 'bundle_source_changed'
  return undefined
}

/** The refresh interval: the hint clamped to [min, max], the default without one. */
export function nextSyncInMs(refreshHintMs: number | undefined, intervals: SyncIntervals): number {
  if (refreshHintMs === undefined) return intervals.defaultRefreshMs
  return Math.min(intervals.maxRefreshMs, Math.max(intervals.minRefreshMs, refreshHintMs))
}

function successStatus(
  fetched: {bundle: SpiffeBundle; fromWeb: boolean}, source: SpiffeFederationBundleSource, syncedAt: Date, intervals: SyncIntervals,
): (stored: SpiffeFederationStatus) => SpiffeFederationStatus {
  const hint = fetched.bundle.refreshHintMs
  const next = fetched.fromWeb ? new Date(syncedAt.getTime() + nextSyncInMs(hint, intervals)) : undefined
  return () => ({
    current_bundle: fetched.bundle.marshal(),
    current_bundle_synced_at: formatExpires(syncedAt),
    current_bundle_synced_from: source,
    ...(next === undefined ? {} : {next_sync_at: formatExpires(next)}),
    ...(hint === undefined ? {} : {current_bundle_refresh_hint: formatProtoDuration(hint)}),
  })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}
