/**
 * A lock that elects one worker among the processes sharing a store (Teleport runs such workers
 * under backend.RunWhileLocked, lib/backend/helpers.go). Never waits: whoever gets it works, the
 * others try again later in case the holder went away.
 */

export interface LeaderLease {
  /** Gives the lock up. */
  release(): Promise<void>
}

export interface LeaderLock {
  /** The lease when the lock is free now (or its holder is gone), else undefined. */
  tryAcquire(): Promise<LeaderLease | undefined>
}
