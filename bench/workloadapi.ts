/**
 * Workload API server throughput and latency through tbot's real source — SessionWorkloadSource over
 * a local-backend bot session, so SVIDs come from the Authority (bench/_tbot-source.ts) and are
 * cached per caller as `tbot start workload-identity-api` does — against bare grpc-js, measured in
 * the same run on the same kind of socket (a Unix socket in a temp dir):
 *   workloadapi_fetch_x509_svid_*  open FetchX509SVID, read the first message, cancel (go-spiffe's
 *                                  FetchX509SVID)  vs a bare grpc-js server stream sending the same message
 *   workloadapi_fetch_jwt_svid_*   FetchJWTSVID (unary)  vs a bare grpc-js unary call returning the same message
 *   …_c1 / …_c50                   1 client, or 50 clients (50 connections) each with one call in flight
 *   workloadapi_rotation_500_streams_ms  from the source's rotation (rotateNow: caches dropped, a new
 *                                  key signed by the Authority) until all 500 open FetchX509SVID
 *                                  streams have the new SVID  vs a bare server writing one message to
 *                                  500 streams
 * The servers run on the main thread; the load comes from a worker thread (the other core), so the
 * client does not steal the server's CPU. Every client is this process, attested once per
 * connection (the attestor caches per process), so after the first call the source answers from its
 * cache: this measures the socket, attestation lookup, cache, handlers and encoding; signing is in
 * the rotation figure. Each figure is the median of 5 rounds; ours and bare run back to back within
 * a round. About 45 s.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads'
import type * as Grpc from '@grpc/grpc-js'
import {fetchJwtSvid, x509SvidResponse} from '../src/lib/workloadapi/handlers.js'
import {loadWorkloadApi} from '../src/lib/workloadapi/proto.js'
import {startWorkloadApiServer} from '../src/lib/workloadapi/server.js'
import {localBackendSource} from './_tbot-source.js'
import type {BenchFigure} from './types.js'

const ROLE = 'workloadapi-bench-load'
const ROUNDS = 5
const RUN_MS = 800
const WARMUP_MS = 200
const STREAMS = 500
const STREAM_CHANNELS = 10
const ROTATIONS = 9
const AUDIENCE = ['spiffe://bench.example.org/db']

type Method = 'x509' | 'jwt'
type LoadRequest = {cmd: 'load'; target: string; method: Method; clients: number; ms: number}
type Request = LoadRequest
  | {cmd: 'open'; target: string; count: number; channels: number}
  | {cmd: 'arm'; target: string; expect: number}
  | {cmd: 'close'}
interface LoadResult {
  calls: number
  seconds: number
  p50: number
  p99: number
}

const nowMs = (): number => performance.timeOrigin + performance.now()

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
}

// ---------------------------------------------------------------- worker (the load generator)

function header(grpc: typeof Grpc): Grpc.Metadata {
  const md = new grpc.Metadata()
  md.set('workload.spiffe.io', 'true')
  return md
}

type Raw = Grpc.Client & Record<string, (...args: unknown[]) => unknown>

async function oneCall(grpc: typeof Grpc, client: Raw, method: Method): Promise<void> {
  if (method === 'jwt') {
    return new Promise((resolve, reject) => {
      client.FetchJWTSVID!({audience: AUDIENCE, spiffe_id: ''}, header(grpc), (err: Error | null) => (err ? reject(err) : resolve()))
    })
  }
  return new Promise((resolve, reject) => {
    const call = client.FetchX509SVID!({}, header(grpc)) as Grpc.ClientReadableStream<unknown>
    let done = false
    call.on('data', () => {
      if (done) return
      done = true
      call.cancel()
      resolve()
    })
    call.on('error', (err: Grpc.ServiceError) => { if (!done && err.code !== 1) reject(err) })
  })
}

/**
 * Each FetchX509SVID fetch ends with the client cancelling its stream (an HTTP/2 RST_STREAM), and
 * nghttp2's rapid-reset guard (CVE-2023-44487) closes a connection that sends too many of them
 * (seen here after about a thousand: "Session closed with error code 2"); so a client moves to a
 * new connection every RESETS_PER_CONNECTION fetches, against our server and the bare one alike.
 */
const RESETS_PER_CONNECTION = 400

async function runLoad(request: LoadRequest): Promise<LoadResult> {
  const {grpc, Client} = await loadWorkloadApi()
  const connect = (): Raw =>
    new Client(request.target, grpc.credentials.createInsecure(), {'grpc.use_local_subchannel_pool': 1}) as unknown as Raw
  const latencies: number[] = []
  const warmEnd = nowMs() + WARMUP_MS
  const end = warmEnd + request.ms
  let errors = 0
  await Promise.all(Array.from({length: request.clients}, async () => {
    let client = connect()
    for (let t = nowMs(), n = 1; t < end; t = nowMs(), n++) {
      if (request.method === 'x509' && n % RESETS_PER_CONNECTION === 0) {
        client.close()
        client = connect()
      }
      try {
        await oneCall(grpc, client, request.method)
        if (t >= warmEnd) latencies.push(nowMs() - t)
      } catch {
        errors++
      }
    }
    client.close()
  }))
  if (errors > 0) throw new Error(`${errors} calls failed against ${request.target}`)
  latencies.sort((a, b) => a - b)
  return {calls: latencies.length, seconds: request.ms / 1000, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99)}
}

interface StreamSet {
  readonly channels: Raw[]
  readonly counts: number[]
}

/** Load runs, and sets of open FetchX509SVID streams; 'arm' answers when all of a set got message `expect`. */
async function runWorker(): Promise<void> {
  const port = parentPort
  if (port === null) return
  const {grpc, Client} = await loadWorkloadApi()
  const sets = new Map<string, StreamSet>()
  let onMessage: (() => void) | undefined
  port.on('message', (request: Request) => void (async () => {
    switch (request.cmd) {
      case 'load':
        port.postMessage(await runLoad(request))
        return
      case 'open': {
        const channels = Array.from({length: request.channels}, () =>
          new Client(request.target, grpc.credentials.createInsecure(), {'grpc.use_local_subchannel_pool': 1}) as unknown as Raw)
        const set: StreamSet = {channels, counts: new Array<number>(request.count).fill(0)}
        sets.set(request.target, set)
        const opened = new Promise<void>((resolve) => {
          onMessage = () => { if (set.counts.every((c) => c >= 1)) resolve() }
        })
        for (let i = 0; i < request.count; i++) {
          const call = (channels[i % channels.length] as Raw).FetchX509SVID!({}, header(grpc)) as Grpc.ClientReadableStream<unknown>
          call.on('data', () => {
            set.counts[i] = (set.counts[i] ?? 0) + 1
            onMessage?.()
          })
          call.on('error', () => {})
        }
        await opened
        port.postMessage('open')
        return
      }
      case 'arm': {
        const set = sets.get(request.target) as StreamSet
        const reached = new Promise<number>((resolve) => {
          onMessage = () => { if (set.counts.every((c) => c >= request.expect)) resolve(nowMs()) }
        })
        port.postMessage('armed')
        port.postMessage(await reached)
        return
      }
      case 'close':
        for (const set of sets.values()) for (const c of set.channels) c.close()
        sets.clear()
        port.postMessage('closed')
    }
  })())
}

if (!isMainThread && (workerData as {role?: string} | null)?.role === ROLE) void runWorker()

// ---------------------------------------------------------------- main thread (the servers)

class LoadWorker {
  // The worker imports this module; under tsx (a .ts module, `node --import tsx`) it first registers
  // tsx's loader in its own thread, since Node 20 does not carry loader hooks into workers.
  private readonly worker = new Worker(import.meta.url.endsWith('.ts')
    ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}) })`
    : `import(${JSON.stringify(import.meta.url)})`, {eval: true, workerData: {role: ROLE}, execArgv: []})
  private readonly queue: Array<{resolve: (value: unknown) => void; reject: (err: Error) => void}> = []
  constructor() {
    this.worker.on('message', (m: unknown) => this.queue.shift()?.resolve(m))
    // A failed load run fails the bench (and its cleanup runs) instead of crashing the process.
    this.worker.on('error', (err) => { for (const waiter of this.queue.splice(0)) waiter.reject(err) })
  }
  next<T>(): Promise<T> {
    return new Promise((resolve, reject) => this.queue.push({resolve: resolve as (v: unknown) => void, reject}))
  }
  /** Sends a request; resolves with its next `replies` answers. */
  async send<T>(request: Request, replies = 1): Promise<T[]> {
    const answers = Array.from({length: replies}, () => this.next<T>())
    this.worker.postMessage(request)
    return Promise.all(answers)
  }
  post(request: Request): void {
    this.worker.postMessage(request)
  }
  terminate(): Promise<number> {
    return this.worker.terminate()
  }
}

/** A bare grpc-js server: the same service and messages, constant answers, no checks. */
async function startBare(path: string, x509: object, jwt: object): Promise<{server: Grpc.Server; streams: Grpc.ServerWritableStream<unknown, unknown>[]}> {
  const {grpc, service} = await loadWorkloadApi()
  const server = new grpc.Server()
  const streams: Grpc.ServerWritableStream<unknown, unknown>[] = []
  server.addService(service, {
    FetchX509SVID: (call: Grpc.ServerWritableStream<unknown, unknown>) => {
      streams.push(call)
      call.on('cancelled', () => streams.splice(streams.indexOf(call), 1))
      call.write(x509)
    },
    FetchJWTSVID: (_call: unknown, callback: Grpc.sendUnaryData<object>) => callback(null, jwt),
  })
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())))
  return {server, streams}
}

/** Time until one push reaches every stream of the set at `target`. */
async function pushMs(load: LoadWorker, target: string, expect: number, push: () => void): Promise<number> {
  const armed = load.next<string>()
  const reached = load.next<number>()
  load.post({cmd: 'arm', target, expect})
  await armed
  const t0 = nowMs()
  push()
  return (await reached) - t0
}

/** 500 streams on each server; rotations alternate between them so noise hits both alike. */
async function rotationFigure(load: LoadWorker, targets: {ours: string; bare: string}, rotateOurs: () => void,
  pushBare: () => void): Promise<BenchFigure> {
  await load.send({cmd: 'open', target: targets.ours, count: STREAMS, channels: STREAM_CHANNELS})
  await load.send({cmd: 'open', target: targets.bare, count: STREAMS, channels: STREAM_CHANNELS})
  const ours: number[] = []
  const bare: number[] = []
  for (let i = 0; i < ROTATIONS; i++) {
    ours.push(await pushMs(load, targets.ours, i + 2, rotateOurs))
    bare.push(await pushMs(load, targets.bare, i + 2, pushBare))
  }
  await load.send({cmd: 'close'})
  const value = median(ours)
  const limit = median(bare)
  return {name: 'workloadapi_rotation_500_streams_ms', value, unit: 'ms', limit, ratio: limit / value,
    goal: 'all 500 streams updated; bare = one message written to 500 bare streams'}
}

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wapi-bench-'))
  const local = await localBackendSource(dir, 'bench.example.org')
  const {source} = local
  // The bare server sends messages of the same shape and size, issued by the same source.
  const bareX509 = await x509SvidResponse(source, local.entitled)
  const bareJwt = await fetchJwtSvid(source, local.entitled, {audience: AUDIENCE, spiffe_id: ''})
  // Every load client runs as this uid, and the rotation figure holds 500 streams on one channel: the per-uid
  // rate, connection and stream limits are lifted so the figures are the server's own throughput.
  const unlimited = {perSecond: 1e9, burst: 1e9}
  const rates = {FetchX509SVID: unlimited, FetchX509Bundles: unlimited, FetchJWTBundles: unlimited, FetchJWTSVID: unlimited, ValidateJWTSVID: unlimited}
  const limits = {rates, maxConcurrentStreams: 10_000, maxConnectionsPerCaller: 10_000}
  const ours = await startWorkloadApiServer({listen: `unix://${dir}/ours.sock`, source, limits})
  const bare = await startBare(join(dir, 'bare.sock'), bareX509, bareJwt)
  const targets = {ours: `unix:${dir}/ours.sock`, bare: `unix:${dir}/bare.sock`}
  const load = new LoadWorker()
  const figures: BenchFigure[] = []
  try {
    // First connection from this process pays the attestation (hashing the node binary) and the
    // first issuances once.
    await load.send({cmd: 'load', target: targets.ours, method: 'x509', clients: 1, ms: 100})
    await load.send({cmd: 'load', target: targets.ours, method: 'jwt', clients: 1, ms: 100})
    for (const method of ['x509', 'jwt'] as const) {
      for (const clients of [1, 50]) {
        const runs: Array<{ours: LoadResult; bare: LoadResult}> = []
        for (let r = 0; r < ROUNDS; r++) {
          const [o] = await load.send<LoadResult>({cmd: 'load', target: targets.ours, method, clients, ms: RUN_MS})
          const [b] = await load.send<LoadResult>({cmd: 'load', target: targets.bare, method, clients, ms: RUN_MS})
          runs.push({ours: o as LoadResult, bare: b as LoadResult})
        }
        figures.push(...loadFigures(method, clients, runs))
      }
    }
    figures.push(await rotationFigure(load, targets, () => source.rotateNow('bench'),
      () => { for (const s of bare.streams) s.write(bareX509) }))
  } finally {
    await load.terminate()
    await ours.close(200)
    bare.server.forceShutdown()
    await local.close()
    rmSync(dir, {recursive: true, force: true})
  }
  return figures
}

function loadFigures(method: Method, clients: number, runs: ReadonlyArray<{ours: LoadResult; bare: LoadResult}>): BenchFigure[] {
  const rpc = method === 'x509' ? 'fetch_x509_svid' : 'fetch_jwt_svid'
  const bareKind = method === 'x509' ? 'bare grpc-js server stream, first message' : 'bare grpc-js unary'
  const rate = (r: LoadResult): number => r.calls / r.seconds
  const ours = {rate: median(runs.map((r) => rate(r.ours))), p50: median(runs.map((r) => r.ours.p50)), p99: median(runs.map((r) => r.ours.p99))}
  const bare = {rate: median(runs.map((r) => rate(r.bare))), p50: median(runs.map((r) => r.bare.p50)), p99: median(runs.map((r) => r.bare.p99))}
  const base = `workloadapi_${rpc}`
  return [
    {name: `${base}_per_sec_c${clients}`, value: ours.rate, unit: 'calls/s', limit: bare.rate, ratio: ours.rate / bare.rate,
      goal: `>= 0.7 of ${bareKind}`},
    {name: `${base}_p50_ms_c${clients}`, value: ours.p50, unit: 'ms', limit: bare.p50, ratio: bare.p50 / ours.p50},
    {name: `${base}_p99_ms_c${clients}`, value: ours.p99, unit: 'ms', limit: bare.p99, ratio: bare.p99 / ours.p99},
  ]
}
