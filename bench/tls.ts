/**
 * SPIFFE TLS for Node (issue 14), measured against plain node:tls in the same run:
 *   tls_mtls_handshakes_per_sec   full mTLS handshakes per second accepted by a server made with
 *                                 mtlsServerConfig on an X509Source (a real Workload API socket in this
 *                                 process) — context refresh on each connection, the SPIFFE peer check
 *                                 and authorizeID before the first byte — vs a plain tls.createServer
 *                                 with the same certificates as static key/cert/ca (requestCert,
 *                                 rejectUnauthorized). Goal: at least 0.9 of plain.
 *   tls_push_to_handshake_ms      from the Workload API source's rotation notice (the server then pushes
 *                                 on the open FetchX509SVID stream) until a handshake first presents the
 *                                 new SVID, handshaking back to back; limit: one plain handshake's time.
 * The servers run on the main thread; the load comes from a worker thread (the other core) running
 * CONCURRENCY handshake loops (connect, wait for the server's first byte, destroy): the client
 * verifies the server by OpenSSL only, so both servers see the same client. Median of 5 rounds, ours
 * and plain back to back in each round. About 15 s.
 */
import {once} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import tls from 'node:tls'
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads'
import {authorizeID, mtlsServerConfig} from '../src/lib/tlsconfig/index.js'
import {X509Source} from '../src/lib/workloadapi/sources/index.js'
import {startWorkloadApiServer} from '../src/lib/workloadapi/server.js'
import {TestSource, x509SvidEntry} from '../test/helpers/workload-source.js'
import {median} from './_util.js'
import type {BenchFigure} from './types.js'

const ROUNDS = 5
const RUN_MS = 1000
const CONCURRENCY = 8
const ROTATIONS = 7
const SERVER_ID = 'spiffe://bench.example.org/server'
const CLIENT_ID = 'spiffe://bench.example.org/client'

interface ClientMaterial {
  readonly key: string
  readonly cert: string
  readonly ca: string
}

/** One handshake: connect, wait for the server's byte, destroy; resolves with the server certificate's serial. */
function handshake(port: number, client: ClientMaterial): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({port, host: '127.0.0.1', ...client, checkServerIdentity: () => undefined})
    socket.once('data', () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber ?? ''
      socket.destroy()
      resolve(serial)
    })
    socket.once('error', reject)
  })
}

/** The worker: CONCURRENCY loops for `ms`; handshakes per second. */
async function load(port: number, client: ClientMaterial, ms: number): Promise<number> {
  let done = 0
  const end = performance.now() + ms
  const t0 = performance.now()
  await Promise.all(Array.from({length: CONCURRENCY}, async () => {
    while (performance.now() < end) {
      await handshake(port, client)
      done++
    }
  }))
  return (done * 1000) / (performance.now() - t0)
}

if (!isMainThread) {
  const client = workerData as ClientMaterial
  parentPort!.on('message', (msg: {port: number; ms: number}) => {
    void load(msg.port, client, msg.ms).then((rate) => parentPort!.postMessage(rate), (err: Error) => parentPort!.postMessage(`error: ${err.message}`))
  })
}

async function listening(server: tls.Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

const answer = (socket: tls.TLSSocket): void => {
  socket.on('error', () => {})
  socket.end('k')
}

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-bench-tls-'))
  const wapiSource = await TestSource.create(SERVER_ID)
  const wapi = await startWorkloadApiServer({listen: `unix://${dir}/workload.sock`, source: wapiSource})
  const x509 = await X509Source.create({address: wapi.address})
  const clientSvid = await x509SvidEntry(wapiSource.ca, CLIENT_ID)
  const ca = wapiSource.ca.certPem
  const client: ClientMaterial = {
    cert: pem(clientSvid.chain[0]!), key: pemKey(clientSvid.privateKey), ca,
  }
  const config = mtlsServerConfig(x509, x509, authorizeID(CLIENT_ID))
  const ours = config.attach(tls.createServer(config, answer))
  const serverPem = x509.getX509Svid().marshal()
  const plain = tls.createServer({key: serverPem.privateKey, cert: serverPem.certificates, ca, requestCert: true, rejectUnauthorized: true}, answer)
  const [oursPort, plainPort] = [await listening(ours), await listening(plain)]
  const worker = new Worker(new URL(import.meta.url), {workerData: client})
  const rate = (port: number): Promise<number> => new Promise((resolve, reject) => {
    worker.once('message', (r: number | string) => (typeof r === 'number' ? resolve(r) : reject(new Error(r))))
    worker.postMessage({port, ms: RUN_MS})
  })
  try {
    await rate(oursPort)
    await rate(plainPort)
    const oursRates: number[] = []
    const plainRates: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      oursRates.push(await rate(oursPort))
      plainRates.push(await rate(plainPort))
    }
    const delays = await pushDelays(wapiSource, oursPort, client)
    const single: number[] = []
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now()
      await handshake(plainPort, client)
      single.push(performance.now() - t0)
    }
    const [value, limit, delay, one] = [median(oursRates), median(plainRates), median(delays), median(single)]
    return [
      {name: 'tls_mtls_handshakes_per_sec', value, unit: 'handshakes/s', limit, ratio: value / limit,
        goal: '>= 0.9 of plain node:tls with static certificates'},
      {name: 'tls_push_to_handshake_ms', value: delay, unit: 'ms', limit: one, ratio: one / delay,
        goal: 'new SVID on the next handshake; limit = one plain handshake'},
    ]
  } finally {
    await worker.terminate()
    ours.close()
    plain.close()
    x509.close()
    await wapi.close(0)
    rmSync(dir, {recursive: true, force: true})
  }
}

/** Rotation notice → first handshake presenting the new SVID, handshaking back to back. */
async function pushDelays(source: TestSource, port: number, client: ClientMaterial): Promise<number[]> {
  const delays: number[] = []
  let noticed = 0
  // Listeners run in order: the Workload API server's (subscribed at its start) begins the push, then
  // this one marks the time; the delay is the push, the X509Source update and the handshakes until one shows it.
  source.subscribe(() => (noticed = performance.now()))
  for (let i = 0; i < ROTATIONS; i++) {
    const before = await handshake(port, client)
    await source.rotate()
    for (;;) {
      const serial = await handshake(port, client)
      if (serial !== before) break
    }
    delays.push(performance.now() - noticed)
  }
  return delays
}

const pem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`
const pemKey = (der: Uint8Array): string =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`
