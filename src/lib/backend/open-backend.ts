/**
 * The store factory: the backend a server config names (teleport.storage), for `teleport start`
 * and for `tctl -c teleport.yaml` on a server host. The data directory unless the storage is
 * PostgreSQL; with PostgreSQL the data directory keeps only this replica's own files (audit.log
 * when no audit_events_uri is set).
 */
import type {ServerConfig} from '../server/config.js'
import {LocalBackend} from './local/backend.js'

export interface OpenConfiguredOptions {
  readonly version: string
  readonly now?: () => Date
  readonly publicAddr?: string
  /** Create the cluster on first use (the server does; tctl does not). */
  readonly create: boolean
  /** Listen for other replicas' writes (a long-running server); a one-shot tctl need not. */
  readonly changeFeed: boolean
}

export async function openConfiguredBackend(config: ServerConfig, o: OpenConfiguredOptions): Promise<LocalBackend> {
  const now = o.now ?? (() => new Date())
  const clusterName = config.auth.clusterName
  if (config.storage.type === 'dir') {
    return LocalBackend.open({dataDir: config.dataDir, create: o.create, clusterName, publicAddr: o.publicAddr, version: o.version, now})
  }
  const [{postgresStores}, {FileAuditLog}, {ensurePrivateDir}, {dataDirPaths}] = await Promise.all([
    import('../storage/postgres/stores.js'), import('../authority/audit.js'), import('../storage/atomic.js'), import('./local/data-dir.js'),
  ])
  const s = config.storage
  const paths = dataDirPaths(config.dataDir)
  const stores = await postgresStores({
    paths, connString: s.connString, changeFeedConnString: s.changeFeedConnString, auditConnString: s.auditEventsUri,
    fallbackAudit: () => new FileAuditLog(paths.auditLog),
    create: o.create, clusterName, publicAddr: o.publicAddr, now, changeFeed: o.changeFeed,
  })
  // The server keeps its own files there; a one-shot tctl writes none.
  if (o.create) {
    await ensurePrivateDir(config.dataDir, {allowLink: true}).catch(async (err: unknown) => {
      await stores.close()
      throw err
    })
  }
  return LocalBackend.over(stores, {publicAddr: o.publicAddr, version: o.version, now})
}
