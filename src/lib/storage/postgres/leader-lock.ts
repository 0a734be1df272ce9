/**
 * Leader election among replicas on one database: a session-level advisory lock
 * (pg_try_advisory_lock, PostgreSQL docs 9.27.10) held on a connection of its own for as long as
 * the lease lasts. A replica killed mid-lease loses its connection, and PostgreSQL frees the lock.
 */
import type pg from 'pg'
import type {LeaderLease, LeaderLock} from '../leader-lock.js'

export class PostgresLeaderLock implements LeaderLock {
  /** `name` keys the lock (hashed into the advisory lock space, prefixed so it cannot meet the schema locks' keys by intent). */
  constructor(private readonly pool: pg.Pool, private readonly name: string) {}

  async tryAcquire(): Promise<LeaderLease | undefined> {
    const key = `svidkit leader: ${this.name}`
    const client = await this.pool.connect()
    // A held connection that breaks (PostgreSQL restarted) emits 'error'; the lock is gone with it,
    // and release() below drops the client. Unheard, the event would end the process.
    let broken: Error | undefined
    const onError = (err: Error) => (broken = err)
    client.on('error', onError)
    try {
      const {rows} = await client.query<{locked: boolean}>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key])
      if (rows[0]?.locked !== true) {
        client.off('error', onError)
        client.release()
        return undefined
      }
    } catch (err) {
      client.off('error', onError)
      client.release(err as Error)
      throw err
    }
    return {
      release: async () => {
        try {
          if (broken) throw broken
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key])
          client.off('error', onError)
          client.release()
        } catch (err) {
          client.off('error', onError)
          client.release(err as Error) // the connection is dropped, and the lock with it
        }
      },
    }
  }
}
