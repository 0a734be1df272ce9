import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {openPool} from '../../../../src/lib/storage/postgres/connect.js'
import {PostgresLeaderLock} from '../../../../src/lib/storage/postgres/leader-lock.js'
import {startTestPostgres, type TestPostgres} from '../../../helpers/postgres.js'

let server: TestPostgres
before(async () => {
  server = await startTestPostgres()
})
after(async () => {
  await server.close()
})

describe('PostgresLeaderLock (one federation syncer among replicas)', () => {
  it('gives the lease to one replica at a time, and frees it when the holder releases or its connection dies', async () => {
    const url = await server.createDatabase()
    const [poolA, poolB] = [openPool(url), openPool(url)]
    try {
      const a = new PostgresLeaderLock(poolA, 'federation-syncer')
      const b = new PostgresLeaderLock(poolB, 'federation-syncer')
      const other = new PostgresLeaderLock(poolB, 'another-worker')

      const leaseA = await a.tryAcquire()
      assert.ok(leaseA, 'the first replica leads')
      assert.equal(await b.tryAcquire(), undefined, 'the second does not while the first holds it')
      const otherLease = await other.tryAcquire()
      assert.ok(otherLease, 'a lock of another name is independent')
      await otherLease.release()

      await leaseA.release()
      const leaseB = await b.tryAcquire()
      assert.ok(leaseB, 'released: the second replica leads now')
      assert.equal(await a.tryAcquire(), undefined)

      // The leader's connection dies (its process killed): PostgreSQL ends the session and frees its lock.
      await poolA.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`)
      let taken
      for (let i = 0; i < 50 && !taken; i++) {
        taken = await a.tryAcquire()
        if (!taken) await new Promise((r) => setTimeout(r, 100))
      }
      assert.ok(taken, 'PostgreSQL freed the dead leader\'s lock')
      await taken.release()
      await leaseB.release() // its connection is gone: release drops the client without throwing
    } finally {
      await poolA.end().catch(() => undefined)
      await poolB.end().catch(() => undefined)
    }
  })
})
