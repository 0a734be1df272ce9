/**
 * The server's federation syncer: runs for the life of `teleport start`, syncing only while it
 * holds the data directory's federation lock (one syncer among replicas sharing the directory;
 * a database-backed deployment passes its own LeaderLock).
 */
import type {LocalBackend} from '../backend/local/backend.js'
import type {Logger} from '../log.js'
import {FileLeaderLock, type LeaderLock} from './leader-lock.js'
import {FederationSyncer, type SyncIntervals} from './syncer.js'

export interface RunningFederationSync {
  stop(): Promise<void>
}

export function startFederationSync(
  backend: LocalBackend, log: Logger, now: () => Date,
  options: {readonly lock?: LeaderLock; readonly intervals?: Partial<SyncIntervals>} = {},
): RunningFederationSync {
  const syncer = new FederationSyncer({
    store: backend.store, lock: options.lock ?? backend.sharedLeaderLock('federation-syncer') ?? new FileLeaderLock(backend.paths.root), log: log.child('federation'),
    now, localTrustDomain: backend.clusterName, ...(options.intervals === undefined ? {} : {intervals: options.intervals}),
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
