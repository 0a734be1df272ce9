import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {LocalBackend} from '../../../../src/lib/backend/local/backend.js'
import {parseResourceValue} from '../../../../src/lib/resources/parse.js'
import {dataDirPaths} from '../../../../src/lib/backend/local/data-dir.js'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {postgresStores} from '../../../../src/lib/storage/postgres/stores.js'
import {startTestPostgres, type TestPostgres} from '../../../helpers/postgres.js'

let server: TestPostgres
let backend: LocalBackend
before(async () => {
  server = await startTestPostgres()
  const stores = await postgresStores({paths: dataDirPaths(mkdtempSync(join(tmpdir(), 'svidkit-ready-'))), connString: await server.createDatabase(), create: true, clusterName: 'ready.example.com', now: () => new Date()})
  backend = LocalBackend.over(stores)
})
after(async () => {
  await backend.close()
  await server.close()
})

const wi = (name: string) => parseResourceValue({kind: 'workload_identity', version: 'v1', metadata: {name}, spec: {spiffe: {id: `/svc/${name}`}}}, {file: 'test'})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('a backend on PostgreSQL while PostgreSQL is down', () => {
  it('is not ready, saying why; a write waiting meanwhile lands once it is back; then ready again', async () => {
    assert.deepEqual(await backend.ready(), {ok: true})
    server.control!.stop()
    const down = await backend.ready()
    assert.equal(down.ok, false)
    assert.match(down.reason ?? '', /^cannot reach PostgreSQL at 127\.0\.0\.1:\d+: /)
    const write = backend.createResources([wi('while-down')], {force: false})
    await sleep(1_000)
    server.control!.start()
    assert.deepEqual(await write, [{kind: 'workload_identity', name: 'while-down', action: 'created'}])
    // The change feed reconnects with backoff; readiness waits for it.
    let ready = await backend.ready()
    for (let i = 0; i < 100 && !ready.ok; i++) ready = await sleep(100).then(() => backend.ready())
    assert.deepEqual(ready, {ok: true})
    assert.equal((await backend.getResource('workload_identity', 'while-down')).metadata.name, 'while-down')
  })
})
