/**
 * The PostgreSQL ResourceStore: one row per resource in svidkit_resources. A transaction runs at
 * SERIALIZABLE (PostgreSQL docs 13.2.3): its reads and its staged writes commit only if no other
 * transaction changed what it read, else it fails with 40001 and runs again from the start, now
 * seeing the winner's write. So a single-use join token is spent once across every replica: all
 * joins read the token and delete it; one commits, the others retry and find it gone.
 * Each commit also sends a NOTIFY naming the kinds written (change-feed.ts), delivered at commit.
 */
import type pg from 'pg'
import {ConnectionProblemError, CorruptStateError, InputError} from '../../errors.js'
import {parseResourceValue} from '../../resources/parse.js'
import type {Resource, ResourceKind, ResourceOf} from '../../resources/types.js'
import type {ResourceStore, StoreTx} from '../resource-store.js'
import {stagingTx, type StagedChange} from '../staging-tx.js'
import {isConnectionFailure, withRetry} from './connect.js'

export const CHANGE_CHANNEL = 'svidkit_changes'

type Queryable = Pick<pg.PoolClient, 'query'>

export class PostgresResourceStore implements ResourceStore {
  constructor(private readonly pool: pg.Pool) {}

  get<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K> | undefined> {
    return withRetry(() => readOne(this.pool, kind, name))
  }

  list<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]> {
    return withRetry(() => readAll(this.pool, kind))
  }

  transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return withRetry(() => this.attempt(fn))
  }

  private async attempt<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken = false
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
      const staged = new Map<string, StagedChange>()
      const result = await fn(stagingTx({get: (kind, name) => readOne(client, kind, name), list: (kind) => readAll(client, kind)}, staged))
      await writeStaged(client, [...staged.values()])
      try {
        await client.query('COMMIT')
      } catch (err) {
        if (!isConnectionFailure(err)) throw err
        broken = true
        throw new ConnectionProblemError('the connection to PostgreSQL broke while committing; the change may or may not have been applied, check before retrying', {cause: err})
      }
      return result
    } catch (err) {
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true))
      throw err
    } finally {
      // A client whose connection failed is destroyed, not returned to the pool.
      client.release(broken ? true : undefined)
    }
  }
}

async function writeStaged(client: Queryable, staged: readonly StagedChange[]): Promise<void> {
  if (staged.length === 0) return
  const puts = staged.filter((s) => s.resource !== undefined)
  const deletes = staged.filter((s) => s.resource === undefined)
  if (puts.length > 0) {
    await client.query(
      `INSERT INTO svidkit_resources (kind, name, revision, value, expires)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
       ON CONFLICT (kind, name) DO UPDATE SET revision = EXCLUDED.revision, value = EXCLUDED.value, expires = EXCLUDED.expires`,
      [puts.map((s) => s.kind), puts.map((s) => s.name), puts.map((s) => s.resource!.metadata.revision ?? ''),
        puts.map((s) => JSON.stringify(s.resource)), puts.map((s) => s.resource!.metadata.expires ?? null)],
    )
  }
  if (deletes.length > 0) {
    await client.query('DELETE FROM svidkit_resources WHERE (kind, name) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [deletes.map((s) => s.kind), deletes.map((s) => s.name)])
  }
  await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, [...new Set(staged.map((s) => s.kind))].join(',')])
}

async function readOne<K extends ResourceKind>(q: Queryable, kind: K, name: string): Promise<ResourceOf<K> | undefined> {
  const {rows} = await q.query<{value: string}>('SELECT value FROM svidkit_resources WHERE kind = $1 AND name = $2', [kind, name])
  return rows[0] === undefined ? undefined : decodeRow(kind, name, rows[0].value)
}

async function readAll<K extends ResourceKind>(q: Queryable, kind: K): Promise<ResourceOf<K>[]> {
  // COLLATE "C": byte order, as the file store sorts names.
  const {rows} = await q.query<{name: string; value: string}>('SELECT name, value FROM svidkit_resources WHERE kind = $1 ORDER BY name COLLATE "C"', [kind])
  return rows.map((r) => decodeRow(kind, r.name, r.value))
}

/** A row goes back through its kind's parser, as a stored file does (storage/file-store.ts). */
function decodeRow<K extends ResourceKind>(kind: K, name: string, text: string): ResourceOf<K> {
  const where = `stored ${kind} "${kind === 'token' ? '(secret)' : name}" in PostgreSQL`
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new CorruptStateError(`${where} is not valid JSON`)
  }
  let resource: Resource
  try {
    resource = parseResourceValue(value, {file: 'svidkit_resources'})
  } catch (err) {
    const reason = err instanceof InputError ? [err.location.field, err.reason].filter(Boolean).join(': ') : String(err)
    throw new CorruptStateError(`${where} is invalid: ${reason}`)
  }
  if (resource.kind !== kind) throw new CorruptStateError(`${where} has kind "${resource.kind}"`)
  const revision = (value as {metadata?: {revision?: unknown}}).metadata?.revision
  const metadata = typeof revision === 'string' ? {...resource.metadata, revision} : resource.metadata
  return {...resource, metadata} as ResourceOf<K>
}
