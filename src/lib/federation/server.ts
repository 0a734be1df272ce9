/**
 * The server's federation syncer: runs for the life of `teleport start`, syncing only while it
 * holds the data directory's federation lock (one syncer among replicas sharing the directory;
 * a database-backed deployment passes its own LeaderLock).
 */
import type {LocalBackend} from '../backend/local/backend.js'
import type {Logger} from '../log.js'
import {FileLeaderLock, type LeaderLock} from './leader-lock.js'
import {FederationSyncer, type SyncIntervals} from './syncer.js'

/**
 * FOR TESTS ONLY: every https_web federation syncs this often (milliseconds), whatever its bundle's
 * spiffe_refresh_hint, replacing both ends of the 1 minute..24 hours clamp (syncer.ts) — the clusters'
 * own hint is 300 s, so raising only the floor would not help. It lets an end-to-end test see a
 * foreign CA rotation in seconds (test/e2e/federation-rotation.test.ts); unset, the clamp is unchanged.
 */
export const TEST_SYNC_INTERVAL_ENV = 'SVIDKIT_FEDERATION_SYNC_INTERVAL_MS'

function testSyncIntervals(env: NodeJS.ProcessEnv): Partial<SyncIntervals> | undefined {
  const ms = Number(env[TEST_SYNC_INTERVAL_ENV] ?? '')
  if (!(Number.isInteger(ms) && ms > 0)) return undefined
  return {minRefreshMs: ms, maxRefreshMs: ms, defaultRefreshMs: ms}
}

export interface RunningFederationSync {
  stop(): Promise<void>
}

export function startFederationSync(
  backend: LocalBackend, log: Logger, now: () => Date,
  options: {readonly lock?: LeaderLock; readonly intervals?: Partial<SyncIntervals>} = {},
): RunningFederationSync {
  const intervals = options.intervals ?? testSyncIntervals(process.env)
  const syncer = new FederationSyncer({
    store: backend.store, lock: options.lock ?? backend.sharedLeaderLock('federation-syncer') ?? new FileLeaderLock(backend.paths.root), log: log.child('federation'),
    now, localTrustDomain: backend.clusterName, ...(intervals === undefined ? {} : {intervals}),
  })
  const stopper = new AbortController()
  const running = syncer.run(stopper.signal).catch((err: unknown) => log.error('SPIFFE federation syncer stopped', {error: err}))
  return {
    stop: async () => {
      stopper.abort()
      await running
    },
  }
}
