/**
 * The Workload API under attack from another local user (the socket is 0777): attacking client
 * processes run as uid 65534 (the tests run as root) against
 *
 * - the real `tbot` on the local backend, serving an identity without rules (so any caller is
 *   entitled, the worst case): FetchJWTSVID with a new ~3.5 MB audience each time used to grow
 *   tbot's memory until V8 aborted and wrote 3.5 MB of audit log per request. Now each is refused
 *   before it is read; tbot's peak RSS stays under RSS_BOUND_MB and the audit log does not grow.
 *   SVIDKIT_ABUSE_REQUESTS=10000 runs the full attack (the suite sends fewer: each refused request
 *   still uploads its 3.5 MB);
 * - an in-process server with short, injected limits and a hand-driven clock: the rate limit
 *   refuses with ResourceExhausted and recovers, the per-uid connection cap, the idle timeout.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'
import type {WorkloadApiLimitOverrides} from '../../src/lib/workloadapi/limits.js'
import {startWorkloadApiServer, type RunningWorkloadApiServer} from '../../src/lib/workloadapi/server.js'
import {TestSource} from '../helpers/workload-source.js'
import {makeCluster, waitFor, type Cluster, type Running} from './tbot-cluster.js'

const NOBODY = {uid: 65534, gid: 65534}
const AS_OTHER_UID = {skip: process.getuid?.() === 0 ? false : 'needs root to start clients as uid 65534'}
const OVERSIZED_REQUESTS = Number(process.env.SVIDKIT_ABUSE_REQUESTS ?? 200)
/** tbot idles at ~80-110 MB; before the fix 40 such requests took it past 570 MB. */
const RSS_BOUND_MB = 300

/**
 * The attacker, over raw HTTP/2 (node:http2) so that it can send exactly what it likes and stay
 * small itself: `mode` is `oversized` (one audience of 3.5 MB, new each time), `at-limit` (16
 * audiences of 1024 bytes, new each time), `many-audiences` (17) or `fetch` (one short audience).
 * Prints {codes: {"<grpc-status> <grpc-message>": count}}.
 */
const ATTACKER = `
import http2 from 'node:http2'
import net from 'node:net'
const [path, mode, count, connections] = process.argv.slice(2)
const varint = (v) => { const b = []; while (v > 127) { b.push((v & 127) | 128); v = Math.floor(v / 128) } b.push(v); return Buffer.from(b) }
const field = (s) => { const bytes = Buffer.from(s); return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), bytes]) }
const tag = (i) => String(i).padStart(12, '0')
const body = {
  oversized: (i) => [field(tag(i) + 'a'.repeat(3_500_000 - 12))],
  'at-limit': (i) => Array.from({length: 16}, (_, j) => field(tag(i) + String(j).padStart(4, '0') + 'b'.repeat(1024 - 16))),
  'many-audiences': () => Array.from({length: 17}, (_, j) => field('aud-' + j)),
  fetch: () => [field('spiffe://example.teleport.sh/db')],
}[mode]
function frame(i) {
  const message = Buffer.concat(body(i))
  const header = Buffer.alloc(5)
  header.writeUInt32BE(message.length, 1)
  return Buffer.concat([header, message])
}
const codes = {}
let next = 0
function call(session, i) {
  return new Promise((resolve) => {
    const req = session.request({':method': 'POST', ':path': '/SpiffeWorkloadAPI/FetchJWTSVID',
      'content-type': 'application/grpc', te: 'trailers', 'workload.spiffe.io': 'true'})
    let status = 'no status'
    const read = (h) => {
      if (h['grpc-status'] === '0') status = 'OK'
      else if (h['grpc-status'] !== undefined) status = h['grpc-status'] + ' ' + decodeURIComponent(h['grpc-message'] ?? '')
    }
    req.on('response', read)
    req.on('trailers', read)
    req.on('data', () => {})
    req.on('error', (err) => { if (status === 'no status') status = 'error ' + err.code + ' ' + req.rstCode })
    req.on('close', () => resolve(status))
    req.end(frame(i))
  })
}
let sessions = 0
function open() {
  sessions++
  const session = http2.connect('http://localhost', {createConnection: () => net.connect(path)})
  session.on('error', () => {})
  return session
}
// A connection the server closed (one whose calls never reach a handler counts as idle) is replaced.
async function connection() {
  let session = open()
  while (next < Number(count)) {
    const i = next++
    let status
    for (;;) {
      if (session.destroyed || session.closed) session = open()
      try {
        status = await call(session, i)
        if (!(status.startsWith('error') && (session.destroyed || session.closed))) break
        session = open()
      } catch {
        session = open()
      }
    }
    codes[status] = (codes[status] ?? 0) + 1
  }
  session.close()
}
await Promise.all(Array.from({length: Number(connections)}, connection))
console.error('connections opened: ' + sessions)
console.log(JSON.stringify({codes}))
`

let scratch: string

function attack(socketPath: string, mode: string, count: number, connections = 1, user: {uid: number; gid: number} = NOBODY): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const args = [join(scratch, 'attacker.mjs'), socketPath, mode, String(count), String(connections)]
    execFile(process.execPath, args, {...user, cwd: scratch, env: {PATH: process.env.PATH, HOME: scratch}, maxBuffer: 1 << 20},
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`attacker failed: ${err.message}\n${stderr}`))
        resolve((JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {codes: Record<string, number>}).codes)
      })
  })
}

/** VmHWM (peak resident set) and VmRSS of a process, in MB. */
function memoryOf(pid: number): {peakMb: number; rssMb: number} {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1])
  return {peakMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024)}
}

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wapi-abuse-'))
  chmodSync(scratch, 0o755)
  writeFileSync(join(scratch, 'attacker.mjs'), ATTACKER, {mode: 0o644})
})
after(() => rmSync(scratch, {recursive: true, force: true}))

describe('tbot under a FetchJWTSVID flood from another uid (real binary, local backend)', AS_OTHER_UID, () => {
  let cluster: Cluster
  let tbot: Running
  let socket: string
  let auditLog: string

  before(async () => {
    cluster = await makeCluster()
    chmodSync(cluster.dir, 0o755)
    const token = await cluster.addBot('flooded', '--roles=example-workload-identity-issuer')
    socket = join(cluster.dir, 'run', 'workload.sock')
    auditLog = join(cluster.dataDir, 'audit.log')
    tbot = cluster.startTbot('start', 'workload-identity-api', '--token', token, '--storage', join(cluster.dir, 'storage'),
      '--listen', `unix://${socket}`, '--name-selector', 'example-workload-identity')
    await waitFor('tbot to listen', () => (/Workload API service listening/.test(tbot.stderr()) ? true : undefined), () => tbot.stderr())
  })
  after(() => cluster?.remove())

  const auditBytes = () => {
    try {
      return statSync(auditLog).size
    } catch {
      return 0
    }
  }

  it(`refuses ${OVERSIZED_REQUESTS} requests with a new 3.5 MB audience each before reading them; RSS stays under ${RSS_BOUND_MB} MB, the audit log does not grow`, async () => {
    const before = auditBytes()
    const codes = await attack(socket, 'oversized', OVERSIZED_REQUESTS, 8)
    assert.deepEqual(codes, {'8 Received message larger than max (3500005 vs 65536)': OVERSIZED_REQUESTS})
    const memory = memoryOf(tbot.child.pid!)
    console.log(`tbot after ${OVERSIZED_REQUESTS} oversized requests: peak RSS ${memory.peakMb} MB, RSS now ${memory.rssMb} MB`)
    assert.ok(memory.peakMb < RSS_BOUND_MB, `peak RSS ${memory.peakMb} MB`)
    assert.equal(auditBytes() - before, 0, 'nothing was issued, nothing logged')
  })

  it('refuses 17 audiences with InvalidArgument', async () => {
    assert.deepEqual(await attack(socket, 'many-audiences', 1), {'3 audience: must have at most 16 values, got 17': 1})
  })

  it('issues at the limits (16 audiences of 1 KiB) with a bounded audit line each, and still serves others', async () => {
    const before = auditBytes()
    const codes = await attack(socket, 'at-limit', 40, 2)
    const issued = codes.OK ?? 0
    // The limiter allows a burst of 100; a slow machine lets more through, never fewer.
    assert.equal(issued, 40, JSON.stringify(codes))
    const perRequest = (auditBytes() - before) / issued
    console.log(`audit bytes per issued request at the limits: ${perRequest}`)
    assert.ok(perRequest < 4096, `${perRequest} bytes per line`)
    const line = JSON.parse(readFileSync(auditLog, 'utf8').trimEnd().split('\n').pop() ?? '') as Record<string, unknown>
    assert.equal(line.audiences_truncated, true)
    assert.equal(line.audiences_count, 16)
    assert.match((line.audiences as string[])[0] ?? '', /^sha256:[0-9a-f]{64}$/)
    const client = await WorkloadApiClient.create({address: `unix://${socket}`, timeoutMs: 10_000})
    try {
      const svid = await client.fetchJwtSvid({audience: 'spiffe://example.teleport.sh/db'})
      assert.equal(svid.spiffeId.toString(), 'spiffe://example.teleport.sh/svc/example-service')
    } finally {
      client.close()
    }
  })
})

describe('Workload API limits with short injected bounds (in-process server, client processes)', () => {
  let source: TestSource
  const servers: RunningWorkloadApiServer[] = []
  let now = 0

  before(async () => {
    source = await TestSource.create('spiffe://example.teleport.sh/svc/limits', () => true)
  })
  after(async () => {
    await Promise.all(servers.map((s) => s.close(200)))
  })

  /** A server of its own per test, so one test's connections never count against another's cap. */
  async function serve(name: string, limits: WorkloadApiLimitOverrides): Promise<{socketPath: string; server: RunningWorkloadApiServer}> {
    const socketPath = join(scratch, name, 'workload.sock')
    const server = await startWorkloadApiServer({listen: `unix://${socketPath}`, source, monotonicNow: () => now, limits})
    servers.push(server)
    return {socketPath, server}
  }

  it('the rate limit refuses a uid with ResourceExhausted, not another uid, and recovers as tokens refill', AS_OTHER_UID, async () => {
    const {socketPath} = await serve('rate', {rates: {FetchJWTSVID: {perSecond: 1, burst: 3}}})
    const refused = '8 too many FetchJWTSVID requests from uid 65534: the limit is 1 per second, in bursts of up to 3'
    assert.deepEqual(await attack(socketPath, 'fetch', 5), {OK: 3, [refused]: 2})
    assert.deepEqual(await attack(socketPath, 'fetch', 1), {[refused]: 1}, 'a new process of the same uid: same bucket')
    assert.deepEqual(await attack(socketPath, 'fetch', 2, 1, {uid: 0, gid: 0}), {OK: 2}, 'root has its own')
    now += 2000
    assert.deepEqual(await attack(socketPath, 'fetch', 3), {OK: 2, [refused]: 1}, 'two seconds: two tokens')
  })

  /** Resolves 'served' when the server speaks first (its HTTP/2 SETTINGS), 'closed' when it hangs up without a word. */
  const firstEvent = (socket: Socket) => new Promise<'served' | 'closed'>((resolve) => {
    socket.once('data', () => resolve('served'))
    socket.once('close', () => resolve('closed'))
  })

  it('caps open connections per uid: the fourth of one uid is closed at once', async () => {
    const {socketPath} = await serve('cap', {maxConnectionsPerCaller: 3})
    const sockets = Array.from({length: 4}, () => connect(socketPath))
    try {
      assert.deepEqual(await Promise.all(sockets.slice(0, 3).map(firstEvent)), ['served', 'served', 'served'])
      assert.equal(await firstEvent(sockets[3]!), 'closed')
    } finally {
      for (const s of sockets) s.destroy()
    }
  })

  it('closes a connection that never sends a byte once idle, and keeps one with an open stream', async () => {
    const {socketPath, server} = await serve('idle', {connectionIdleMs: 500})
    const client = await WorkloadApiClient.create({address: `unix://${socketPath}`, timeoutMs: 10_000})
    let silent: Socket | undefined
    try {
      const updates: string[] = []
      const errors: Error[] = []
      const watch = client.watchX509Context((ctx) => updates.push(ctx.svids[0]!.certificates[0]!.serialNumber), (err) => errors.push(err))
      await waitFor('the first X.509 context', () => (updates.length >= 1 ? true : undefined))
      // It never reads either, so grpc-js's GOAWAY and FIN (at 500 ms) cannot close it: the server destroys it (at 1 s).
      silent = connect(socketPath)
      silent.pause()
      await waitFor('the silent connection to be accepted', () => (server.openConnections === 2 ? true : undefined))
      await waitFor('the silent connection to be closed', () => (server.openConnections === 1 ? true : undefined))
      // Long past the idle timeout the stream's connection is still there and delivers a rotation.
      await new Promise((r) => setTimeout(r, 1500))
      assert.equal(server.openConnections, 1)
      await source.rotate()
      await waitFor('the rotated X.509 context', () => (updates.length >= 2 ? true : undefined))
      assert.notEqual(updates[0], updates[1])
      assert.deepEqual(errors, [], 'the same stream all along, never reconnected')
      watch.stop()
    } finally {
      silent?.destroy()
      client.close()
    }
  })
})
