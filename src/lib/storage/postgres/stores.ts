/**
 * The backend's stores on PostgreSQL (`teleport.storage.type: postgresql`): one pool for state, a
 * LISTEN connection for the change feed, optionally a pool for the audit log, and a sweeper that
 * deletes expired resources (Teleport's pgbk runs the same periodic expiry, expiry_interval,
 * default 30 s: lib/backend/pgbk/pgbk.go).
 */
import type pg from 'pg'
import type {AuditSink} from '../../authority/audit.js'
import type {BackendStores, Readiness, StoreChangeListener} from '../../backend/local/stores.js'
import type {DataDirPaths} from '../../backend/local/data-dir.js'
import {PostgresLeaderLock} from './leader-lock.js'
import {NotFoundError} from '../../errors.js'
import {PostgresAuditLog} from './audit.js'
import {PostgresCaStateStore} from './ca-state-store.js'
import {ChangeFeed} from './change-feed.js'
import {ensureCluster} from './cluster.js'
import {connectionError, describeTarget, openPool} from './connect.js'
import {PostgresResourceStore, CHANGE_CHANNEL} from './resource-store.js'
import {migrateAudit, migrateState} from './schema.js'

export interface PostgresStoresOptions {
  /** This replica's own data directory (stores.ts BackendStores.paths). */
  readonly paths: DataDirPaths
  readonly connString: string
  readonly changeFeedConnString?: string
  /** A `postgresql://` audit_events_uri; else `fallbackAudit` (the data directory's audit.log). */
  readonly auditConnString?: string
  readonly fallbackAudit?: (now: () => Date) => AuditSink
  readonly create: boolean
  readonly clusterName?: string
  readonly publicAddr?: string
  readonly now: () => Date
  readonly expiryIntervalMs?: number
  /** Whether to listen for other replicas' writes (a one-shot tctl need not). */
  readonly changeFeed?: boolean
}

const DEFAULT_EXPIRY_INTERVAL_MS = 30_000
/** With the feed the policy cache is invalidated on every write anywhere; its age is only a backstop. */
const POLICY_MAX_AGE_WITH_FEED_MS = 10_000

async function opened<T>(connString: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    throw connectionError(connString, err, what)
  }
}

export async function postgresStores(o: PostgresStoresOptions): Promise<BackendStores> {
  const pools: pg.Pool[] = []
  const feed = o.changeFeed === false ? undefined : new ChangeFeed(o.changeFeedConnString ?? o.connString)
  try {
    const pool = openPool(o.connString)
    pools.push(pool)
    await opened(o.connString, 'PostgreSQL', () => migrateState(pool))
    const info = await opened(o.connString, 'PostgreSQL', () => ensureCluster(pool, o))
    const audit = o.auditConnString === undefined ? undefined : openPool(o.auditConnString)
    if (audit) {
      pools.push(audit)
      await opened(o.auditConnString!, 'the PostgreSQL audit log', () => migrateAudit(audit))
    }
    if (feed) await opened(o.changeFeedConnString ?? o.connString, 'the PostgreSQL change feed', () => feed.start())
    return assemble(o, pool, audit, feed, info)
  } catch (err) {
    await feed?.close()
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)))
    throw err
  }
}

function assemble(o: PostgresStoresOptions, pool: pg.Pool, auditPool: pg.Pool | undefined, feed: ChangeFeed | undefined, info: BackendStores['info']): BackendStores {
  const t = describeTarget(o.connString)
  const sweeper = setInterval(() => void sweepExpired(pool).catch(() => undefined), o.expiryIntervalMs ?? DEFAULT_EXPIRY_INTERVAL_MS)
  sweeper.unref()
  return {
    resources: new PostgresResourceStore(pool),
    info,
    paths: o.paths,
    ...(feed ? {policyMaxAgeMs: POLICY_MAX_AGE_WITH_FEED_MS} : {}),
    // LocalBackend's CaCache reads it, and drops its copy when the feed names "ca" (a rotation anywhere).
    caState: new PostgresCaStateStore(pool, CHANGE_CHANNEL),
    caStateName: `svidkit_ca_state in PostgreSQL at ${t.host}:${t.port}`,
    openAudit: (now) => {
      if (auditPool) return new PostgresAuditLog(auditPool, o.auditConnString!, now)
      if (o.fallbackAudit) return o.fallbackAudit(now)
      throw new NotFoundError('no audit log configured for the PostgreSQL storage')
    },
    ready: () => readiness(o.connString, pool, feed),
    onChange: (listener: StoreChangeListener) => feed?.onChange(listener),
    leaderLock: (name) => new PostgresLeaderLock(pool, name),
    close: async () => {
      clearInterval(sweeper)
      await feed?.close()
      await Promise.all([pool, ...(auditPool ? [auditPool] : [])].map((p) => p.end().catch(() => undefined)))
    },
  }
}

/** Expired resources (join tokens past their TTL) are deleted; each replica sweeping is harmless. */
export async function sweepExpired(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  const {rowCount} = await pool.query(`WITH d AS (DELETE FROM svidkit_resources WHERE expires IS NOT NULL AND expires <= now() RETURNING kind)
    SELECT pg_notify($1, string_agg(DISTINCT kind, ',')) FROM d HAVING count(*) > 0`, [CHANGE_CHANNEL])
  return rowCount ?? 0
}

async function readiness(connString: string, pool: pg.Pool, feed: ChangeFeed | undefined): Promise<Readiness> {
  const t = describeTarget(connString)
  try {
    await pool.query('SELECT 1')
  } catch (err) {
    return {ok: false, reason: connectionError(connString, err).message}
  }
  if (feed && !feed.isConnected) return {ok: false, reason: `the change feed from PostgreSQL at ${t.host}:${t.port} is reconnecting`}
  return {ok: true}
}
