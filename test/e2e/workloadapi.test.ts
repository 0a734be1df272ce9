/**
 * The Workload API server end to end: a real Unix socket in a temp dir, real client processes
 * (one as root, one as uid/gid 65534), real attestation through SO_PEERCRED and /proc, real
 * certificates, and rotations pushed to streams that are already open.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash, X509Certificate} from 'node:crypto'
import {chmodSync, createReadStream, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import type * as Grpc from '@grpc/grpc-js'
import {grpcTarget, parseWorkloadAddress} from '../../src/lib/workloadapi/address.js'
import {WorkloadApiClient, WorkloadApiError} from '../../src/lib/workloadapi/client.js'
import {loadWorkloadApi, type X509BundlesResponse, type X509SvidResponse} from '../../src/lib/workloadapi/proto.js'
import {startWorkloadApiServer, type RunningWorkloadApiServer} from '../../src/lib/workloadapi/server.js'
import {TestSource} from '../helpers/workload-source.js'

const ID = 'spiffe://example.org/svc/e2e'
const NOBODY = 65534
/** Running a client as another uid needs root (as here and in CI). */
const AS_OTHER_UID = {skip: process.getuid?.() === 0 ? false : 'needs root to start a client as uid 65534'}
const here = fileURLToPath(import.meta.url)
const ext = here.endsWith('.ts') ? '.ts' : '.js'
const root = join(here, '..', '..', ext === '.ts' ? '..' : '../..')
const clientModule = new URL(`../../src/lib/workloadapi/client${ext}`, import.meta.url).href

/** Runs in a separate `node` process: fetch the X.509 context and a JWT-SVID from SPIFFE_ENDPOINT_SOCKET. */
const CHILD = `
const {WorkloadApiClient} = await import(process.argv[2])
const client = await WorkloadApiClient.create({timeoutMs: 10000})
try {
  const ctx = await client.fetchX509Context()
  const jwt = await client.fetchJwtSvid({audience: 'spiffe://example.org/db'})
  const svid = ctx.svids[0]
  console.log(JSON.stringify({ok: true, id: svid.spiffeId.toString(), serial: svid.certificates[0].serialNumber,
    bundles: [...ctx.bundles.keys()], jwt: jwt.spiffeId.toString(), aud: jwt.audience, pid: process.pid}))
} catch (err) {
  console.log(JSON.stringify({ok: false, grpcCode: err.grpcCode, message: err.message, pid: process.pid}))
} finally {
  client.close()
}
`

interface ChildResult {
  ok: boolean; id?: string; serial?: string; bundles?: string[]; jwt?: string; aud?: string[]
  grpcCode?: number; message?: string; pid: number
}

function runChild(dir: string, address: string, user?: {uid: number; gid: number}): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: dir, SPIFFE_ENDPOINT_SOCKET: address}
  const args = [...(ext === '.ts' ? ['--import', 'tsx'] : []), join(dir, 'client.mjs'), clientModule]
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, {cwd: root, env, timeout: 30_000, ...user}, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`))
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult)
    })
  })
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path).on('data', (c) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject)
  })
}

interface Raw extends Grpc.Client {
  [method: string]: unknown
}

async function rawClient(address: string): Promise<{client: Raw; grpc: typeof Grpc}> {
  const {grpc, Client} = await loadWorkloadApi()
  return {client: new Client(grpcTarget(parseWorkloadAddress(address)), grpc.credentials.createInsecure()) as unknown as Raw, grpc}
}

function header(grpc: typeof Grpc, value = 'true'): Grpc.Metadata {
  const md = new grpc.Metadata()
  md.set('workload.spiffe.io', value)
  return md
}

type AnyFunction = (...args: unknown[]) => unknown

function unaryCall(client: Raw, method: string, request: object, md: Grpc.Metadata): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (client[method] as AnyFunction).call(client, request, md, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)))
  })
}

/** Collects a stream's messages; next(n) resolves when n have arrived, end() when the stream ends. */
function collect<T>(stream: Grpc.ClientReadableStream<T>): {messages: T[]; next(n: number): Promise<T>; end: Promise<Grpc.StatusObject | Error>} {
  const messages: T[] = []
  const waiters: Array<() => void> = []
  stream.on('data', (m: T) => {
    messages.push(m)
    for (const w of waiters.splice(0)) w()
  })
  const end = new Promise<Grpc.StatusObject | Error>((resolve) => {
    stream.on('error', resolve)
    stream.on('status', (s: Grpc.StatusObject) => { if (s.code === 0) resolve(s) })
  })
  return {
    messages, end,
    next: async (n) => {
      while (messages.length < n) await new Promise<void>((r) => waiters.push(r))
      return messages[n - 1] as T
    },
  }
}

function grpcError(code: number, details: string): (err: unknown) => boolean {
  return (err) => {
    const e = err as Grpc.ServiceError
    assert.equal(e.code, code)
    assert.equal(e.details, details)
    return true
  }
}

describe('Workload API over a Unix socket', () => {
  let dir: string
  let source: TestSource
  let server: RunningWorkloadApiServer
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wapi-e2e-'))
    chmodSync(dir, 0o755) // so uid 65534 can reach the socket inside
    writeFileSync(join(dir, 'client.mjs'), CHILD, {mode: 0o644})
    source = await TestSource.create(ID, (c) => c.workload?.unix?.uid === 0, {hint: 'e2e'})
    server = await startWorkloadApiServer({listen: `unix://${dir}/agent/workload.sock`, source})
  })
  after(async () => {
    await server.close(500)
    rmSync(dir, {recursive: true, force: true})
  })

  it('listens at the canonical address with mode 0777 in a 0755 directory', () => {
    assert.equal(server.address, `unix://${dir}/agent/workload.sock`)
    const socket = statSync(join(dir, 'agent/workload.sock'))
    assert.ok(socket.isSocket())
    assert.equal(socket.mode & 0o777, 0o777)
    assert.equal(statSync(join(dir, 'agent')).mode & 0o777, 0o755)
  })

  it('serves a root client process its SVID and JWT-SVID, attested by pid, uid, gid, path and hash', async () => {
    const result = await runChild(dir, server.address)
    const serial = new X509Certificate(Buffer.from(source.svid.chain[0]!)).serialNumber
    assert.deepEqual({...result, pid: 0},
      {ok: true, id: ID, serial, bundles: ['example.org'], jwt: ID, aud: ['spiffe://example.org/db'], pid: 0})
    const seen = source.calls.find((c) => c.workload?.unix?.pid === result.pid)
    assert.deepEqual(seen, {workload: {unix: {attested: true, pid: result.pid, uid: 0, gid: 0,
      binary_path: realpathSync(process.execPath), binary_hash: await sha256File(process.execPath)}}})
  })

  it('denies a client running as another uid (PermissionDenied), having attested it as that uid', AS_OTHER_UID, async () => {
    const result = await runChild(dir, server.address, {uid: NOBODY, gid: NOBODY})
    assert.deepEqual({...result, pid: 0}, {ok: false, grpcCode: 7, pid: 0,
      message: 'rpc error: code = PermissionDenied desc = workload did not pass attestation for any SVIDs'})
    const seen = source.calls.find((c) => c.workload?.unix?.pid === result.pid)
    assert.equal(seen?.workload?.unix?.uid, NOBODY)
    assert.equal(seen?.workload?.unix?.gid, NOBODY)
  })

  it('refuses calls without the security header (InvalidArgument), on every kind of method', async () => {
    const {client, grpc} = await rawClient(server.address)
    const missing = grpcError(3, 'security header missing from request')
    try {
      await assert.rejects(unaryCall(client, 'FetchJWTSVID', {audience: ['a']}, new grpc.Metadata()), missing)
      await assert.rejects(unaryCall(client, 'FetchJWTSVID', {audience: ['a']}, header(grpc, 'TRUE')), missing)
      await assert.rejects(unaryCall(client, 'ValidateJWTSVID', {audience: 'a', svid: 'x'}, new grpc.Metadata()), missing)
      const stream = collect((client.FetchX509SVID as AnyFunction).call(client, {}, new grpc.Metadata()) as Grpc.ClientReadableStream<unknown>)
      missing(await stream.end)
    } finally {
      client.close()
    }
  })

  it('refuses a JWT-SVID request without audience (InvalidArgument), and validates what it issued', async () => {
    const {client, grpc} = await rawClient(server.address)
    try {
      await assert.rejects(unaryCall(client, 'FetchJWTSVID', {audience: []}, header(grpc)),
        grpcError(3, 'audience: must have at least one value'))
      await assert.rejects(unaryCall(client, 'ValidateJWTSVID', {audience: '', svid: 'x'}, header(grpc)),
        grpcError(3, 'audience: must be set'))
    } finally {
      client.close()
    }
    const api = await WorkloadApiClient.create({address: server.address})
    try {
      const jwt = await api.fetchJwtSvid({audience: 'a', extraAudiences: ['b']})
      const valid = await api.validateJwtSvid(jwt.token, 'b')
      assert.equal(valid.spiffeId.toString(), ID)
      assert.deepEqual(valid.claims.aud, ['a', 'b'])
      await assert.rejects(api.validateJwtSvid(jwt.token, 'c'), (err: unknown) => err instanceof WorkloadApiError &&
        err.message === 'rpc error: code = InvalidArgument desc = jwtsvid: expected audience in ["c"] (audience=["a" "b"])')
    } finally {
      api.close()
    }
  })

  it('pushes a rotation to FetchX509SVID and FetchX509Bundles streams that are already open', async () => {
    const {client, grpc} = await rawClient(server.address)
    try {
      const svids = collect((client.FetchX509SVID as AnyFunction).call(client, {}, header(grpc)) as Grpc.ClientReadableStream<X509SvidResponse>)
      const bundles = collect((client.FetchX509Bundles as AnyFunction).call(client, {}, header(grpc)) as Grpc.ClientReadableStream<X509BundlesResponse>)
      const firstSvid = await svids.next(1)
      const firstBundles = await bundles.next(1)
      assert.deepEqual(Object.keys(firstBundles.bundles), ['spiffe://example.org'])
      await source.rotate(true)
      const secondSvid = await svids.next(2)
      const secondBundles = await bundles.next(2)
      assert.notDeepEqual(secondSvid.svids[0]?.x509_svid, firstSvid.svids[0]?.x509_svid)
      assert.deepEqual(Buffer.from(secondSvid.svids[0]?.x509_svid ?? []), Buffer.from(source.svid.chain[0] ?? []))
      assert.deepEqual(Buffer.from(secondSvid.svids[0]?.bundle ?? []), Buffer.from(source.ca.der))
      assert.deepEqual(Buffer.from(secondBundles.bundles['spiffe://example.org'] ?? []), Buffer.from(source.ca.der))
      assert.equal(svids.messages.length, 2)
    } finally {
      client.close()
    }
  })

  it('keeps a watch going across rotations without reconnecting', async () => {
    const api = await WorkloadApiClient.create({address: server.address})
    const serials: string[] = []
    let wake: () => void = () => {}
    const errors: Error[] = []
    const watch = api.watchX509Context((ctx) => {
      serials.push(ctx.svids[0]!.certificates[0]!.serialNumber)
      wake()
    }, (err) => errors.push(err))
    const until = async (n: number): Promise<void> => { while (serials.length < n) await new Promise<void>((r) => { wake = r }) }
    try {
      await until(1)
      await source.rotate()
      await until(2)
      await source.rotate()
      await until(3)
      assert.equal(new Set(serials).size, 3)
      assert.deepEqual(errors, [])
    } finally {
      watch.stop()
      api.close()
    }
  })

  it('answers the WIT RPCs with Unimplemented', async () => {
    const {client, grpc} = await rawClient(server.address)
    try {
      const wit = collect((client.FetchWITSVID as AnyFunction).call(client, {}, header(grpc)) as Grpc.ClientReadableStream<unknown>)
      grpcError(12, 'fetching WIT-SVIDs is not implemented')(await wit.end)
    } finally {
      client.close()
    }
  })
})

describe('Workload API server lifecycle and transports', () => {
  let dir: string
  let source: TestSource
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wapi-e2e-life-'))
    chmodSync(dir, 0o755)
    writeFileSync(join(dir, 'client.mjs'), CHILD, {mode: 0o644})
    source = await TestSource.create(ID, (c) => c.workload?.unix?.uid === 0)
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('with mode 0700 makes a 0700 directory, so another uid cannot even connect', AS_OTHER_UID, async () => {
    const server = await startWorkloadApiServer({listen: `unix://${dir}/private/w.sock`, source, socketMode: 0o700})
    try {
      assert.equal(statSync(join(dir, 'private')).mode & 0o777, 0o700)
      assert.equal(statSync(join(dir, 'private/w.sock')).mode & 0o777, 0o700)
      const result = await runChild(dir, server.address, {uid: NOBODY, gid: NOBODY})
      assert.equal(result.grpcCode, 14)
    } finally {
      await server.close(200)
    }
  })

  it('replaces a stale socket, refuses to replace anything else, and removes its socket on close', async () => {
    const path = join(dir, 'stale.sock')
    const first = await startWorkloadApiServer({listen: `unix://${path}`, source})
    const api = await WorkloadApiClient.create({address: first.address})
    const ended = new Promise<Error>((resolve) => { api.watchX509Context(() => {}, resolve) })
    await api.fetchX509Context()
    await first.close(200)
    const err = await ended
    assert.ok(err instanceof WorkloadApiError && err.grpcCode === 14, String(err))
    api.close()
    assert.equal(existsSync(path), false)
    // A socket file left behind by a crash is replaced.
    const {createServer} = await import('node:net')
    const leftover = createServer().listen(path)
    await new Promise((r) => leftover.once('listening', r))
    leftover.close()
    await new Promise((r) => setTimeout(r, 10))
    writeFileSync(join(dir, 'plain'), 'not a socket')
    await assert.rejects(startWorkloadApiServer({listen: `unix://${dir}/plain`, source}),
      {message: `refusing to replace ${dir}/plain: it exists and is not a socket`})
    const second = await startWorkloadApiServer({listen: `unix://${path}`, source})
    await second.close(200)
  })

  it('listens on tcp://127.0.0.1:0 without attestation', async () => {
    const server = await startWorkloadApiServer({listen: 'tcp://127.0.0.1:0', source})
    const api = await WorkloadApiClient.create({address: server.address})
    try {
      assert.match(server.address, /^tcp:\/\/127\.0\.0\.1:[1-9][0-9]*$/)
      source.calls.length = 0
      await assert.rejects(api.fetchX509Context(), (err: unknown) => err instanceof WorkloadApiError && err.grpcCode === 7)
      assert.deepEqual(source.calls, [{}])
      const bundles = await api.fetchJwtBundles()
      assert.deepEqual([...bundles.keys()], ['example.org'])
    } finally {
      api.close()
      await server.close(200)
    }
  })
})
