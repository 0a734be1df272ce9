/**
 * Federation for tbot on the local backend (a data directory used in-process, no server).
 *
 * Decision: the bundle is synced at read time. When tbot reads the trust bundle (at start, then
 * every bundle poll), federations that are due are synced first, under the same leader lock the
 * server's syncer holds (leader-lock.ts FileLeaderLock in the data directory): when a server runs
 * on the directory it holds the lock and does the syncing, and this only reads its statuses; with
 * no server, the bot's own polls drive the sync, within one poll interval of next_sync_at. A
 * background loop in every tbot would also work, but would make a bot that only writes files keep
 * timers and sockets for a job the server normally does.
 */
import type {TrustBundle} from '../issuance/contract.js'
import type {LocalBackend} from '../backend/local/backend.js'
import {trustBundleWithFederation} from './federated-trust.js'
import {FileLeaderLock} from './leader-lock.js'
import {FederationSyncer} from './syncer.js'

const syncers = new WeakMap<LocalBackend, FederationSyncer>()

function syncerFor(backend: LocalBackend): FederationSyncer {
  let syncer = syncers.get(backend)
  if (syncer === undefined) {
    syncer = new FederationSyncer({
      store: backend.store, lock: new FileLeaderLock(backend.paths.root), now: backend.clock, localTrustDomain: backend.clusterName,
    })
    syncers.set(backend, syncer)
  }
  return syncer
}

export async function localTrustBundle(backend: LocalBackend, local: TrustBundle, signal?: AbortSignal): Promise<TrustBundle> {
  await syncerFor(backend).syncDueIfLeader(signal)
  return trustBundleWithFederation(local, backend.store)
}
