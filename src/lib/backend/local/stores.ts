/**
 * What a LocalBackend runs over: the resource store, the cluster's identity, its CA, its audit
 * sink, and how to tell whether they are reachable. The data directory is the default
 * (fileStores); PostgreSQL is for clusters with several replicas (storage/postgres/stores.ts).
 */
import type {AuditSink} from '../../authority/audit.js'
import type {LeaderLock} from '../../storage/leader-lock.js'
import type {CaStateStore} from '../../storage/ca-state-store.js'
import {FileResourceStore} from '../../storage/file-store.js'
import type {ResourceStore} from '../../storage/resource-store.js'
import {fileCaStateStore, initCaMaterial} from './ca-files.js'
import {type ClusterInfo, type DataDirPaths, openDataDir} from './data-dir.js'

export interface Readiness {
  readonly ok: boolean
  /** Why not, in one line (absent when ok). */
  readonly reason?: string
}

/** What a change feed names when the CA state document was written (a rotation on another replica). */
export const CA_CHANGE = 'ca'

/** `undefined`: anything may have changed (the feed reconnected); else resource kinds, or CA_CHANGE. */
export type StoreChangeListener = (what: ReadonlySet<string> | undefined) => void

export interface BackendStores {
  readonly resources: ResourceStore
  readonly info: ClusterInfo
  /**
   * The data directory: the whole state for the file stores; with a shared database only this
   * replica's own files (its audit.log without audit_events_uri, its locks).
   */
  readonly paths: DataDirPaths
  /** How long the policy snapshot may serve before it is read again; a store with a change feed can afford long. */
  readonly policyMaxAgeMs?: number
  /** The CA state document (ca/ca-state.ts), read through LocalBackend's CaCache. */
  readonly caState: CaStateStore
  /** Names the CA state store in messages. */
  readonly caStateName: string
  openAudit(now: () => Date): AuditSink
  ready(): Promise<Readiness>
  /** Writes by other processes; stores without a feed never call it (the policy cache's age bounds staleness). */
  onChange(listener: StoreChangeListener): void
  /** Elects one worker among the replicas sharing the store; absent for a data directory (its file locks do that). */
  readonly leaderLock?: (name: string) => LeaderLock
  close(): Promise<void>
}

export interface FileStoresOptions {
  readonly create: boolean
  readonly clusterName?: string
  readonly publicAddr?: string
  readonly now: () => Date
  /** Another CA state store than the data directory's ca/state.json. */
  readonly caStateStore?: CaStateStore
}

export async function fileStores(dataDir: string, o: FileStoresOptions): Promise<BackendStores> {
  const {paths, info} = await openDataDir(dataDir, {create: o.create, clusterName: o.clusterName, publicAddr: o.publicAddr, initCa: initCaMaterial, now: o.now})
  const {FileAuditLog} = await import('../../authority/audit.js')
  return {
    resources: new FileResourceStore(paths.resources, paths.lock),
    info, paths,
    ...caStateOf(paths, o.caStateStore),
    openAudit: () => new FileAuditLog(paths.auditLog),
    ready: async () => ({ok: true}),
    onChange: () => undefined,
    close: async () => undefined,
  }
}

function caStateOf(paths: DataDirPaths, given: CaStateStore | undefined): {caState: CaStateStore; caStateName: string} {
  if (given !== undefined) return {caState: given, caStateName: 'the CA state store'}
  const store = fileCaStateStore(paths)
  return {caState: store, caStateName: store.path}
}
