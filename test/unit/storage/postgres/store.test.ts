import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import pg from 'pg'
import {loadCaMaterial} from '../../../../src/lib/ca/ca-cache.js'
import {makeBotToken, consumeBotToken} from '../../../../src/lib/backend/local/tokens.js'
import {parseResourceValue} from '../../../../src/lib/resources/parse.js'
import type {Resource} from '../../../../src/lib/resources/types.js'
import {dataDirPaths} from '../../../../src/lib/backend/local/data-dir.js'
import {tempDir} from '../../../helpers/tmp.js'
import {postgresStores, sweepExpired} from '../../../../src/lib/storage/postgres/stores.js'
import {migrateState} from '../../../../src/lib/storage/postgres/schema.js'
import {openPool} from '../../../../src/lib/storage/postgres/connect.js'
import {PostgresCaStateStore} from '../../../../src/lib/storage/postgres/ca-state-store.js'
import {CHANGE_CHANNEL} from '../../../../src/lib/storage/postgres/resource-store.js'
import type {BackendStores} from '../../../../src/lib/backend/local/stores.js'
import {PG_PASSWORD, startTestPostgres, type TestPostgres} from '../../../helpers/postgres.js'

const CLUSTER = 'pg.example.com'
const now = () => new Date()
const wi = (name: string): Resource =>
  parseResourceValue({kind: 'workload_identity', version: 'v1', metadata: {name}, spec: {spiffe: {id: `/svc/${name}`}}}, {file: 'test'})
const bot = (name: string): Resource => parseResourceValue({kind: 'bot', version: 'v1', metadata: {name}, spec: {roles: []}}, {file: 'test'})

let server: TestPostgres
const opened: BackendStores[] = []
before(async () => {
  server = await startTestPostgres()
})
after(async () => {
  await Promise.all(opened.map((s) => s.close()))
  await server.close()
})

async function open(url: string, extra: Partial<Parameters<typeof postgresStores>[0]> = {}): Promise<BackendStores> {
  const s = await postgresStores({paths: dataDirPaths(tempDir()), connString: url, create: true, clusterName: CLUSTER, now, ...extra})
  opened.push(s)
  return s
}

describe('PostgreSQL stores', () => {
  it('two replicas starting at once migrate once and share one cluster and one CA', async () => {
    const url = await server.createDatabase()
    const [a, b, c] = await Promise.all([open(url), open(url), open(url)])
    assert.equal(a.info.clusterName, CLUSTER)
    assert.deepEqual(b.info, a.info)
    assert.deepEqual(c.info, a.info)
    const [caA, caB] = await Promise.all([loadCaMaterial(a.caState, a.caStateName), loadCaMaterial(b.caState, b.caStateName)])
    assert.equal(caA.spiffeCa.certPem, caB.spiffeCa.certPem)
    assert.equal(caA.trustDomain.name, CLUSTER)
  })

  it('stores resources with revisions, sorted by name, all or nothing', async () => {
    const s = await open(await server.createDatabase())
    await s.resources.transact(async (tx) => {
      tx.put(wi('b'))
      tx.put(wi('a'))
    })
    const listed = await s.resources.list('workload_identity')
    assert.deepEqual(listed.map((r) => r.metadata.name), ['a', 'b'])
    assert.ok(listed[0]!.metadata.revision)
    await assert.rejects(s.resources.transact(async (tx) => {
      tx.put(wi('c'))
      throw new Error('nope')
    }), /nope/)
    assert.equal(await s.resources.get('workload_identity', 'c'), undefined)
    await s.resources.transact(async (tx) => tx.delete('workload_identity', 'a'))
    assert.deepEqual((await s.resources.list('workload_identity')).map((r) => r.metadata.name), ['b'])
  })

  it('a single-use token is spent exactly once by 16 concurrent joins on three replicas', async () => {
    const url = await server.createDatabase()
    const replicas = await Promise.all([open(url), open(url), open(url)])
    const token = makeBotToken('robot', 60_000, now())
    await replicas[0]!.resources.transact(async (tx) => {
      tx.put(bot('robot'))
      tx.put(token)
    })
    const outcomes = await Promise.allSettled(Array.from({length: 16}, (_, i) =>
      replicas[i % 3]!.resources.transact((tx) => consumeBotToken(tx, token.metadata.name, now()))))
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1)
    for (const o of outcomes) if (o.status === 'rejected') assert.match(String(o.reason), /unknown, already used or expired/)
  })

  it('the change feed tells another replica what was written', async () => {
    const url = await server.createDatabase()
    const [a, b] = await Promise.all([open(url), open(url)])
    const seen = new Promise<ReadonlySet<string> | undefined>((resolve) => b.onChange((what) => what && resolve(what)))
    await a.resources.transact(async (tx) => void tx.put(wi('x')))
    assert.deepEqual([...(await seen)!], ['workload_identity'])
  })

  it('the CA state is compare-and-swap', async () => {
    const url = await server.createDatabase()
    const pool = openPool(url)
    after(() => pool.end())
    await migrateState(pool)
    const store = new PostgresCaStateStore(pool, CHANGE_CHANNEL)
    assert.equal(await store.read(), undefined)
    const first = await store.write('{"v":1}', undefined)
    assert.ok(first)
    assert.equal(await store.write('{"v":2}', undefined), undefined)
    const [x, y] = await Promise.all([store.write('{"v":3}', first.revision), store.write('{"v":4}', first.revision)])
    assert.equal([x, y].filter(Boolean).length, 1)
  })

  it('expired tokens are swept', async () => {
    const url = await server.createDatabase()
    const s = await open(url)
    const token = makeBotToken('robot', 1_000, new Date(Date.now() - 10_000))
    await s.resources.transact(async (tx) => void tx.put(token))
    const pool = openPool(url)
    after(() => pool.end())
    assert.equal(await sweepExpired(pool), 1)
    assert.equal(await s.resources.get('token', token.metadata.name), undefined)
  })

  it('audit records land in the audit database before svidIssued resolves', async () => {
    const url = await server.createDatabase()
    const auditUrl = await server.createDatabase('svidkit_audit')
    const s = await open(url, {auditConnString: auditUrl})
    const audit = s.openAudit(now)
    await audit.svidIssued({
      svidType: 'jwt', user: 'bot-robot', spiffeId: `spiffe://${CLUSTER}/svc/a`, jti: 'j1', audiences: ['x'], hint: '',
      workloadIdentity: 'a', workloadIdentityRevision: 'r', attributes: {} as never,
    })
    const client = new pg.Client({connectionString: auditUrl})
    await client.connect()
    const {rows} = await client.query<{event: string; body: {spiffe_id: string}}>('SELECT event, body FROM svidkit_audit_events')
    await client.end()
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.event, 'spiffe.svid.issued')
  })

  it('bad connection settings fail with one clear line', async () => {
    const port = server.port
    const wrongPassword = server.url('postgres').replace(PG_PASSWORD, 'wrong')
    await assert.rejects(open(wrongPassword), (err: Error) => {
      assert.match(err.message, new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port} refused user "postgres": password authentication failed`))
      assert.ok(!err.message.includes('\n'))
      return true
    })
    const message = (re: RegExp) => (err: Error) => re.test(err.message)
    await assert.rejects(open(server.url('no_such_db')), message(/^PostgreSQL at 127\.0\.0\.1:\d+: database "no_such_db" does not exist$/))
    await assert.rejects(open('postgresql://postgres:x@127.0.0.1:1/db'), message(/^cannot reach PostgreSQL at 127\.0\.0\.1:1: .*ECONNREFUSED/))
  })
})
