/**
 * The CA state document in PostgreSQL: one row, written by compare-and-swap on its revision (an
 * UPDATE … WHERE revision = expected, or an INSERT that loses to a concurrent one on the primary
 * key), so two replicas writing at once cannot both win (storage/ca-state-store.ts).
 */
import {randomUUID} from 'node:crypto'
import type pg from 'pg'
import type {CaStateRecord, CaStateStore} from '../ca-state-store.js'
import {CA_CHANGE} from '../../backend/local/stores.js'
import {withRetry} from './connect.js'

export class PostgresCaStateStore implements CaStateStore {
  constructor(private readonly pool: Pick<pg.Pool, 'query'>, private readonly channel: string) {}

  read(): Promise<CaStateRecord | undefined> {
    return withRetry(async () => {
      const {rows} = await this.pool.query<CaStateRecord>('SELECT data, revision FROM svidkit_ca_state WHERE id = 1')
      return rows[0]
    })
  }

  /** One statement (its own transaction), so the NOTIFY in it is sent exactly when the write commits. */
  write(data: string, expected: string | undefined): Promise<CaStateRecord | undefined> {
    const revision = randomUUID()
    const sql = expected === undefined
      ? `WITH w AS (INSERT INTO svidkit_ca_state (id, data, revision) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING RETURNING revision)
         SELECT revision, pg_notify($3, '${CA_CHANGE}') FROM w`
      : `WITH w AS (UPDATE svidkit_ca_state SET data = $1, revision = $2 WHERE id = 1 AND revision = $4 RETURNING revision)
         SELECT revision, pg_notify($3, '${CA_CHANGE}') FROM w`
    const params = expected === undefined ? [data, revision, this.channel] : [data, revision, this.channel, expected]
    // Not retried on a broken connection: whether the swap happened would be unknown.
    return withRetry(async () => {
      const {rows} = await this.pool.query<{revision: string}>(sql, params)
      return rows.length === 1 ? {data, revision} : undefined
    }, {connectionDeadlineMs: 0})
  }
}
