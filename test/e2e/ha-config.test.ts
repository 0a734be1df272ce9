/**
 * `teleport start` and `tctl -c` with PostgreSQL storage: bad connection settings fail at start
 * with one clear line (and no password echoed); tctl on a server host works on the shared store.
 */
import assert from 'node:assert/strict'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {start} from '../helpers/cli.js'
import {freePort, PG_PASSWORD, startTestPostgres, type TestPostgres} from '../helpers/postgres.js'
import {tempDir} from '../helpers/tmp.js'
import {replicaConfig, stopChild, waitReady} from './ha-harness.js'
import {binPath, cliEnv} from '../helpers/cli.js'
import {spawn} from 'node:child_process'

let pg: TestPostgres
before(async () => {
  pg = await startTestPostgres()
})
after(() => pg.close())

async function configWith(connString: string): Promise<string> {
  const dir = tempDir()
  const port = await freePort()
  const file = join(dir, 'teleport.yaml')
  writeFileSync(file, replicaConfig(join(dir, 'data'), port, port, `type: postgresql\nconn_string: ${connString}`))
  return file
}

describe('teleport start with PostgreSQL storage', () => {
  for (const [name, url, line] of [
    ['an unreachable host', () => 'postgresql://postgres:hunter2@127.0.0.1:1/svidkit', /^ERROR: cannot reach PostgreSQL at 127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1\n$/],
    ['a wrong password', () => pg.url('postgres').replace(PG_PASSWORD, 'hunter2'), /^ERROR: PostgreSQL at 127\.0\.0\.1:\d+ refused user "postgres": password authentication failed for user "postgres"\n$/],
    ['a missing database', () => pg.url('no_such_database'), /^ERROR: PostgreSQL at 127\.0\.0\.1:\d+: database "no_such_database" does not exist\n$/],
  ] as const) {
    it(`fails at start with one line for ${name}`, async () => {
      const r = await start('teleport', ['start', '-c', await configWith(url())], {env: cliEnv()}).done
      assert.notEqual(r.code, 0)
      assert.match(r.stderr, line)
      assert.ok(!r.stderr.includes('hunter2') && !r.stderr.includes(PG_PASSWORD))
    })
  }

  it('tctl -c teleport.yaml works on the shared store: auth sign, create, get', async () => {
    const file = await configWith(await pg.createDatabase())
    const server = spawn(process.execPath, [binPath('teleport'), 'start', '-c', file], {env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    after(() => stopChild(server))
    await waitReady(server)
    const dir = tempDir()
    const tctl = (...args: string[]) => start('tctl', args, {env: cliEnv()}).done
    const signed = await tctl('-c', file, 'auth', 'sign', '--user', 'admin', '--out', join(dir, 'admin.pem'))
    assert.equal(signed.code, 0, signed.stderr)
    const wiFile = join(dir, 'wi.yaml')
    mkdirSync(join(dir, 'x'))
    writeFileSync(wiFile, 'kind: workload_identity\nversion: v1\nmetadata: {name: shared}\nspec: {spiffe: {id: /svc/shared}}\n')
    const created = await tctl('--config', file, 'create', wiFile)
    assert.equal(created.code, 0, created.stderr)
    const got = await tctl('-c', file, 'get', 'workload_identity/shared', '--format', 'json')
    assert.equal(got.code, 0, got.stderr)
    assert.equal((JSON.parse(got.stdout) as Array<{metadata: {name: string}}>)[0]!.metadata.name, 'shared')
  })
})
