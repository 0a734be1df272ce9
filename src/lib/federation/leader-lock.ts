/**
 * "One syncer at a time when several replicas run" (Teleport runs its syncer under
 * backend.RunWhileLocked, lib/auth/machineid/machineidv1/spiffe_federation_syncer.go). The lock is
 * pluggable: a file lock for processes sharing one data directory (here), an advisory lock for a
 * shared database (the PostgreSQL store provides its own). Whoever holds it syncs; the others only
 * read the statuses it writes, and try again now and then in case the holder went away.
 */
import {join} from 'node:path'
import type {LeaderLease, LeaderLock} from '../storage/leader-lock.js'
import {tryAcquireLock} from '../storage/lock.js'

export type {LeaderLease, LeaderLock}

/**
 * A lock file inside the data directory (storage/lock.ts): a holder that died, or whose machine
 * rebooted, is recognised and its lock taken over by the next `tryAcquire`.
 */
export class FileLeaderLock implements LeaderLock {
  readonly path: string

  constructor(dataDir: string, name = 'federation-syncer.lock') {
    this.path = join(dataDir, name)
  }

  async tryAcquire(): Promise<LeaderLease | undefined> {
    const release = await tryAcquireLock(this.path)
    return release === undefined ? undefined : {release}
  }
}

/** For a single process with nothing to share (tests, an in-memory store). */
export const ALWAYS_LEADER: LeaderLock = {
  tryAcquire: async () => ({release: async () => undefined}),
}
