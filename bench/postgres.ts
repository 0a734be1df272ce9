/**
 * PostgreSQL figures (issue "Outgrow one machine"), all in one run on one machine:
 *  - X.509 and JWT SVID issuances per second through HAProxy to one and to three `teleport start`
 *    replicas on PostgreSQL (audit records in PostgreSQL too), 32 concurrent bot clients on
 *    keep-alive mTLS connections; one replica beside the file-store server, three beside one.
 *    The replicas, the database, HAProxy and the clients share this machine's cores, so three
 *    replicas show what coordination costs here, not what three machines would add.
 *  - Creating 10,000 workload identities (one transaction each, as 10,000 `tctl create` calls
 *    would) and listing them, on the file store beside PostgreSQL (durable defaults: fsync on,
 *    synchronous_commit on), in process. PostgreSQL takes 32 writers at once; the file store one at
 *    a time, since its lock serializes writers anyway (more only wait on it, and time out).
 */
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {RemoteBackend} from '../src/lib/backend/remote/admin.js'
import {identityFromKey, readIdentityFile} from '../src/lib/backend/identity-file.js'
import {HttpsJsonClient} from '../src/lib/net/https-client.js'
import {parseResources, parseResourceValue} from '../src/lib/resources/parse.js'
import {FileResourceStore} from '../src/lib/storage/file-store.js'
import {openPool} from '../src/lib/storage/postgres/connect.js'
import {PostgresResourceStore} from '../src/lib/storage/postgres/resource-store.js'
import {migrateState} from '../src/lib/storage/postgres/schema.js'
import type {ResourceStore} from '../src/lib/storage/resource-store.js'
import {encodeJoinRequest, parseBotIdentity} from '../src/lib/wire/bot-identity.js'
import {encodeJwtRequest, encodeX509Request} from '../src/lib/wire/issue.js'
import {API} from '../src/lib/wire/paths.js'
import {startHaCluster} from '../test/e2e/ha-harness.js'
import {startTestPostgres} from '../test/helpers/postgres.js'
import {startTestServer} from '../test/helpers/server.js'
import type {BenchFigure} from './types.js'
import {closedLoop, median} from './_util.js'

const CLIENTS = 32
const ROUNDS = 3
const ROUND_MS = 1500
const RESOURCES = 10_000
const SEEDS = `kind: workload_identity\nversion: v1\nmetadata: {name: bench, labels: {bench: 'yes'}}\nspec: {spiffe: {id: /svc/bench}}\n---\n` +
  `kind: role\nversion: v6\nmetadata: {name: bench}\nspec: {allow: {workload_identity_labels: {bench: ['yes']}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}\n`

async function round(op: (i: number) => Promise<unknown>): Promise<number> {
  return (await closedLoop(op, CLIENTS, ROUND_MS)).perSec
}

async function perSecond(op: (i: number) => Promise<unknown>): Promise<number> {
  await round(op) // warm-up
  const rounds: number[] = []
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(op))
  return median(rounds)
}

/** X.509 and JWT issuances per second through `url` by 32 clients of one joined bot. */
async function issuanceRates(url: string, identityFile: string): Promise<{x509: number; jwt: number}> {
  const adminId = await readIdentityFile(identityFile)
  const admin = new RemoteBackend({url, identity: adminId})
  await admin.createResources(parseResources(SEEDS, 'bench.yaml'), {force: false})
  const {token} = await admin.addBot({name: 'bench-bot', roles: ['bench']})
  await admin.close()
  const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
  const spki = publicKey.export({type: 'spki', format: 'der'})
  const trust = {kind: 'ca' as const, caPem: adminId.caPems}
  const joiner = await HttpsJsonClient.create({url, trust})
  const issued = parseBotIdentity(await joiner.post(API.botJoin, encodeJoinRequest({token: token.metadata.name, publicKeyDer: spki, ttlMs: 3_600_000})))
  await joiner.close()
  const bot = identityFromKey(privateKey, issued.certDer, issued.caDers)
  const clients = await Promise.all(Array.from({length: CLIENTS}, () => HttpsJsonClient.create({url, trust, identity: {certPem: bot.certPem, keyPem: bot.keyPem}})))
  try {
    const x509Body = encodeX509Request({selector: {name: 'bench'}, publicKeyDer: spki, ttlMs: 0})
    const jwtBody = encodeJwtRequest({selector: {name: 'bench'}, audiences: ['bench'], ttlMs: 0})
    return {
      x509: await perSecond((i) => clients[i]!.post(API.x509Svids, x509Body)),
      jwt: await perSecond((i) => clients[i]!.post(API.jwtSvids, jwtBody)),
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
}

async function haRates(replicas: number): Promise<{x509: number; jwt: number}> {
  const ha = await startHaCluster(replicas, {durable: true})
  try {
    return await issuanceRates(ha.url, ha.identityFile)
  } finally {
    await ha.close()
  }
}

async function fileServerRates(): Promise<{x509: number; jwt: number}> {
  const server = await startTestServer('bench.example')
  try {
    return await issuanceRates(server.url, server.identityFile)
  } finally {
    await server.stop()
  }
}

const wi = (name: string) => parseResourceValue({kind: 'workload_identity', version: 'v1', metadata: {name}, spec: {spiffe: {id: `/svc/${name}`}}}, {file: 'bench'})

/** Creates per second (one resource per transaction), then the median time to list them all. */
async function storeFigures(store: ResourceStore, writers: number): Promise<{createsPerSec: number; listMs: number}> {
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({length: writers}, async () => {
    while (next < RESOURCES) {
      const name = `wi-${String(next++).padStart(5, '0')}`
      await store.transact(async (tx) => void tx.put(wi(name)))
    }
  }))
  const createsPerSec = (RESOURCES * 1000) / (performance.now() - t0)
  const times: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now()
    const listed = await store.list('workload_identity')
    times.push(performance.now() - t)
    if (listed.length !== RESOURCES) throw new Error(`listed ${listed.length} of ${RESOURCES}`)
  }
  return {createsPerSec, listMs: median(times)}
}

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-bench-pg-'))
  const pg = await startTestPostgres({durable: true})
  const pool = openPool(await pg.createDatabase('svidkit_bench'), 32)
  try {
    await migrateState(pool)
    const file = await storeFigures(new FileResourceStore(join(dir, 'resources'), join(dir, '.lock')), 1)
    const postgres = await storeFigures(new PostgresResourceStore(pool), 32)
    const fileServer = await fileServerRates()
    const one = await haRates(1)
    const three = await haRates(3)
    const rate = (name: string, value: number, limit: number, goal: string): BenchFigure => ({name, value, unit: 'ops/s', limit, ratio: value / limit, goal})
    return [
      rate('pg_1_replica_x509_svid_issue_per_sec_32_clients', one.x509, fileServer.x509, 'limit: the file-store server, same run'),
      rate('pg_1_replica_jwt_svid_issue_per_sec_32_clients', one.jwt, fileServer.jwt, 'limit: the file-store server, same run'),
      rate('pg_3_replicas_x509_svid_issue_per_sec_32_clients', three.x509, one.x509, 'limit: one replica, same run'),
      rate('pg_3_replicas_jwt_svid_issue_per_sec_32_clients', three.jwt, one.jwt, 'limit: one replica, same run'),
      rate('pg_create_10k_workload_identities_per_sec', postgres.createsPerSec, file.createsPerSec, 'limit: the file store, same run'),
      {name: 'pg_list_10k_workload_identities_ms', value: postgres.listMs, unit: 'ms', limit: file.listMs, ratio: file.listMs / postgres.listMs, goal: 'limit: the file store, same run'},
    ]
  } finally {
    await pool.end()
    await pg.close()
    rmSync(dir, {recursive: true, force: true})
  }
}
