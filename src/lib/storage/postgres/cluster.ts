/**
 * The cluster's identity row (name = trust domain, creation time, public address) and its CA,
 * created together by the first replica to start. Replicas starting at once take turns on an
 * advisory lock, so exactly one creates the CA and the others read it.
 */
import {randomUUID} from 'node:crypto'
import type pg from 'pg'
import type {ClusterInfo} from '../../backend/local/data-dir.js'
import {BadParameterError, NotFoundError} from '../../errors.js'
import {TrustDomain} from '../../spiffe/id.js'

/** "svidkit cluster": distinct from the schema's lock key. */
const CLUSTER_LOCK_KEY = 0x73766b5f636c75n

export interface EnsureClusterOptions {
  /** Required when the database holds no cluster yet. */
  readonly clusterName?: string
  readonly publicAddr?: string
  readonly create: boolean
  readonly now: () => Date
}

interface ClusterRow {
  cluster_name: string
  created_at: Date
  public_addr: string | null
}

function infoOf(row: ClusterRow): ClusterInfo {
  return {clusterName: row.cluster_name, createdAt: row.created_at.toISOString(), ...(row.public_addr ? {publicAddr: row.public_addr} : {})}
}

export async function ensureCluster(pool: pg.Pool, o: EnsureClusterOptions): Promise<ClusterInfo> {
  const read = async (q: Pick<pg.Pool, 'query'>) => (await q.query<ClusterRow>('SELECT cluster_name, created_at, public_addr FROM svidkit_cluster WHERE id = 1')).rows[0]
  const existing = await read(pool)
  if (existing) return checked(infoOf(existing), o.clusterName)
  if (!o.create) throw new NotFoundError('the PostgreSQL database holds no cluster yet; start "teleport start" with this storage first')
  const clusterName = TrustDomain.parse(o.clusterName ?? 'localhost').name
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [CLUSTER_LOCK_KEY.toString()])
    const raced = await read(client)
    if (raced) {
      await client.query('COMMIT')
      return checked(infoOf(raced), o.clusterName)
    }
    const [{createCaMaterial}, {caStateFromMaterial, encodeCaState}] = await Promise.all([import('../../ca/ca-material.js'), import('../../ca/ca-state.js')])
    const data = encodeCaState(caStateFromMaterial(await createCaMaterial({clusterName, now: o.now})))
    await client.query('INSERT INTO svidkit_ca_state (id, data, revision) VALUES (1, $1, $2)', [data, randomUUID()])
    const row = await client.query<ClusterRow>(
      'INSERT INTO svidkit_cluster (id, cluster_name, created_at, public_addr) VALUES (1, $1, $2, $3) RETURNING cluster_name, created_at, public_addr',
      [clusterName, o.now(), o.publicAddr ?? null],
    )
    await client.query('COMMIT')
    return infoOf(row.rows[0]!)
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

function checked(info: ClusterInfo, requested: string | undefined): ClusterInfo {
  if (requested !== undefined && requested !== info.clusterName) {
    throw new BadParameterError(`the PostgreSQL database already belongs to cluster "${info.clusterName}", not "${requested}"`)
  }
  return info
}
