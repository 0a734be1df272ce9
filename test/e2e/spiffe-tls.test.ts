/**
 * The SPIFFE library end to end (issue 14): two real tbots serve the Workload API on two sockets
 * with SVIDs for two SPIFFE IDs that rotate every few seconds; an https server and client, each on
 * its own X509Source, authorize each other's ID through the rotations without one failed request;
 * a wrong ID is refused on both sides; grpc-js unary and streaming calls span a rotation; openssl
 * s_client and s_server are real peers. Needs `npm run build`.
 */
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {writeFileSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import type {TLSSocket} from 'node:tls'
import {after, before, describe, it} from 'node:test'
import * as grpc from '@grpc/grpc-js'
import {
  X509Source, authorizeID, grpcChannelCredentials, grpcServerCredentials, mtlsClientConfig, mtlsServerConfig,
  type ServerTlsConfig,
} from '../../src/index.js'
import {REPO} from '../helpers/cli.js'
import {makeCluster, spawnNode, TRUST_DOMAIN, waitFor, type Cluster, type Running} from './tbot-cluster.js'

const SERVER_ID = `spiffe://${TRUST_DOMAIN}/svc/payments/processor`
const CLIENT_ID = `spiffe://${TRUST_DOMAIN}/svc/payments/client`
const CLIENT_WI = `kind: workload_identity
version: v1
metadata:
  name: payments-client
  labels: {team: payments, env: production}
spec:
  spiffe:
    id: /svc/payments/client
`

let cluster: Cluster
const tbots: Running[] = []
let serverSource: X509Source
let clientSource: X509Source
const sockets = {server: '', client: ''}

async function startTbot(name: string, selector: string): Promise<string> {
  const token = await cluster.addBot(name, '--roles=payments-svid-issuer')
  const socket = join(cluster.dir, `${name}.sock`)
  const tbot = cluster.startTbot('start', 'workload-identity-api', `--token=${token}`, '--storage=memory://',
    `--listen=unix://${socket}`, `--name-selector=${selector}`, `--data-dir=${cluster.dataDir}`,
    '--certificate-ttl=30s', '--renewal-interval=3s')
  tbots.push(tbot)
  await waitFor(`${name} listening`, () => (/Workload API service listening/.test(tbot.stderr()) ? true : undefined), tbot.stderr)
  return `unix://${socket}`
}

async function listen<S extends https.Server | import('node:tls').Server>(server: S): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** One request on a new connection; the server answers with the client's SVID serial. */
function get(port: number, config: object): Promise<{body: string; serverSerial: string}> {
  return new Promise((resolve, reject) => {
    https.get({...config, host: '127.0.0.1', port, path: '/'}, (res) => {
      const serverSerial = (res.socket as TLSSocket).getPeerX509Certificate()?.serialNumber ?? ''
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({body, serverSerial}))
    }).on('error', reject)
  })
}

function httpsServer(authorizer: Parameters<typeof mtlsServerConfig>[2]): {server: https.Server; config: ServerTlsConfig} {
  const config = mtlsServerConfig(serverSource, serverSource, authorizer)
  const server = config.attach(https.createServer(config, (req, res) => {
    res.end((req.socket as TLSSocket).getPeerX509Certificate()?.serialNumber ?? '')
  }))
  return {server, config}
}

/** Waits until `source` has emitted `count` more updates. */
async function rotations(source: X509Source, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await once(source, 'updated')
}

describe('SPIFFE mTLS between two tbot sockets (real tbots, rotation every 3 s)', () => {
  before(async () => {
    cluster = await makeCluster()
    writeFileSync(join(cluster.dir, 'client-wi.yaml'), CLIENT_WI)
    assert.equal((await cluster.tctl('create', '-f', join(cluster.dir, 'client-wi.yaml'))).code, 0)
    const [serverAddress, clientAddress] = await Promise.all([startTbot('server-bot', 'payments-processor'), startTbot('client-bot', 'payments-client')])
    Object.assign(sockets, {server: serverAddress, client: clientAddress})
    serverSource = await X509Source.create({address: serverAddress, initialTimeoutMs: 30_000})
    clientSource = await X509Source.create({address: clientAddress, initialTimeoutMs: 30_000})
  })
  after(() => {
    serverSource?.close()
    clientSource?.close()
    cluster?.remove()
  })

  it('the sources hold each tbot\'s SVID and bundle', () => {
    assert.equal(serverSource.getX509Svid().id.toString(), SERVER_ID)
    assert.equal(clientSource.getX509Svid().id.toString(), CLIENT_ID)
    assert.deepEqual(clientSource.x509Bundles().map((b) => b.trustDomain.name), [TRUST_DOMAIN])
  })

  it('https: no failed request while both SVIDs rotate, each side authorizing the other', async () => {
    const {server} = httpsServer(authorizeID(CLIENT_ID))
    const refused: Error[] = []
    server.on('tlsClientError', (err) => refused.push(err))
    const port = await listen(server)
    const client = mtlsClientConfig(clientSource, clientSource, authorizeID(SERVER_ID))
    const clientSerials = new Set<string>()
    const serverSerials = new Set<string>()
    let requests = 0
    const failures: string[] = []
    const deadline = Date.now() + 30_000
    try {
      while ((clientSerials.size < 4 || serverSerials.size < 4) && Date.now() < deadline) {
        requests++
        try {
          const r = await get(port, client)
          clientSerials.add(r.body)
          serverSerials.add(r.serverSerial)
        } catch (err) {
          failures.push((err as Error).message)
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      server.close()
    }
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`)
    assert.deepEqual(refused, [])
    assert.ok(clientSerials.size >= 4 && serverSerials.size >= 4,
      `rotations seen: client ${clientSerials.size}, server ${serverSerials.size} over ${requests} requests`)
  })

  it('a wrong ID is refused on both sides', async () => {
    const {server} = httpsServer(authorizeID(CLIENT_ID))
    const port = await listen(server)
    const other = httpsServer(authorizeID(`spiffe://${TRUST_DOMAIN}/svc/someone-else`))
    const otherPort = await listen(other.server)
    const refused: Error[] = []
    other.server.on('tlsClientError', (err) => refused.push(err))
    try {
      await assert.rejects(get(port, mtlsClientConfig(clientSource, clientSource, authorizeID(CLIENT_ID))),
        new RegExp(`unexpected ID "${SERVER_ID}"`), 'the client refuses a server with another ID')
      await assert.rejects(get(otherPort, mtlsClientConfig(clientSource, clientSource, authorizeID(SERVER_ID))))
      assert.match(String(refused[0]?.message), new RegExp(`^unexpected ID "${CLIENT_ID}"$`), 'the server refuses a client with another ID')
    } finally {
      server.close()
      other.server.close()
    }
  })

  it('grpc-js: unary and streaming calls across a rotation; new channels present the new SVID; wrong IDs refused', async () => {
    const server = new grpc.Server()
    server.addService(ECHO, {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        callback(null, Buffer.from(peerSerial(call))),
      Count: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        for (let i = 0; i < 3; i++) call.write(Buffer.from(`${i}:${peerSerial(call)}`))
        call.end()
      },
    })
    const port = await bind(server, await grpcServerCredentials(serverSource, serverSource, authorizeID(CLIENT_ID), {grpc}))
    const channel = async (authorizer = authorizeID(SERVER_ID)) =>
      new EchoClient(`127.0.0.1:${port}`, await grpcChannelCredentials(clientSource, clientSource, authorizer, {grpc}))
    try {
      const before = await channel()
      const first = await unary(before)
      assert.deepEqual(await stream(before), ['0', '1', '2'].map((i) => `${i}:${first}`))
      await rotations(clientSource, 2)
      await rotations(serverSource, 1)
      // The old channel still works (its connection predates the rotation)…
      assert.equal(await unary(before), first)
      // …and a new one presents the client's new SVID, streaming too.
      const afterwards = await channel()
      const second = await unary(afterwards)
      assert.notEqual(second, first)
      assert.equal(second, clientSource.getX509Svid().leaf.serialNumber)
      assert.deepEqual(await stream(afterwards), ['0', '1', '2'].map((i) => `${i}:${second}`))
      before.close()
      afterwards.close()
      // A client that expects another server ID never gets a connection it trusts.
      const suspicious = await channel(authorizeID(`spiffe://${TRUST_DOMAIN}/svc/someone-else`))
      await assert.rejects(unary(suspicious, 3000), (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)
      suspicious.close()
    } finally {
      server.forceShutdown()
    }
    // A server that expects another client ID answers PERMISSION_DENIED with go-spiffe's message.
    const strict = new grpc.Server()
    strict.addService(ECHO, {Echo: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from('no')), Count: (c: grpc.ServerWritableStream<Buffer, Buffer>) => c.end()})
    const strictPort = await bind(strict, await grpcServerCredentials(serverSource, serverSource, authorizeID(SERVER_ID), {grpc}))
    try {
      const client = new EchoClient(`127.0.0.1:${strictPort}`, await grpcChannelCredentials(clientSource, clientSource, authorizeID(SERVER_ID), {grpc}))
      await assert.rejects(unary(client), (err: grpc.ServiceError) =>
        err.code === grpc.status.PERMISSION_DENIED && err.details === `unexpected ID "${CLIENT_ID}"`)
      client.close()
    } finally {
      strict.forceShutdown()
    }
  })

  it('openssl s_client with svid.pem, svid_key.pem, svid_bundle.pem is admitted when authorized, refused when not', async () => {
    const {server} = httpsServer(authorizeID(CLIENT_ID))
    const port = await listen(server)
    try {
      const admitted = await sClient(port, writeSvidFiles('client', clientSource))
      assert.match(admitted, /HTTP\/1\.1 200 OK/)
      assert.ok(admitted.includes(clientSourceSerialAtWrite), admitted)
      const refused = await sClient(port, writeSvidFiles('server', serverSource))
      assert.doesNotMatch(refused, /HTTP\/1\.1/)
    } finally {
      server.close()
    }
  })

  it('a Node client against openssl s_server with the server SVID authorizes the server\'s ID', async () => {
    const files = writeSvidFiles('s_server', serverSource)
    const port = await freePort()
    const sServer = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', files.cert, '-key', files.key,
      '-CAfile', files.bundle, '-Verify', '1', '-www', '-naccept', '10'], {stdio: ['pipe', 'pipe', 'pipe']})
    try {
      await waitForPort(sServer, port)
      const ok = await get(port, mtlsClientConfig(clientSource, clientSource, authorizeID(SERVER_ID)))
      assert.match(ok.body, /Ciphers supported in s_server binary/)
      await assert.rejects(get(port, mtlsClientConfig(clientSource, clientSource, authorizeID(CLIENT_ID))), new RegExp(`unexpected ID "${SERVER_ID}"`))
    } finally {
      sServer.kill()
    }
  })

  it('the programs in examples/spiffe run against the two tbots', async () => {
    const example = (name: string, env: Record<string, string>, ...args: string[]) =>
      spawnNode([join(REPO, 'examples/spiffe', name), ...args], {...cluster.env, ...env}, cluster.dir)
    const server = example('https-server.mjs', {SPIFFE_ENDPOINT_SOCKET: sockets.server, ALLOWED_ID: CLIENT_ID, PORT: '0'})
    const others = Promise.all([
      example('grpc.mjs', {SERVER_SOCKET: sockets.server, CLIENT_SOCKET: sockets.client}).done,
      example('jwt-bearer.mjs', {SPIFFE_ENDPOINT_SOCKET: sockets.client}).done,
    ])
    try {
      const port = await waitFor('the example server', () => /listening on 127\.0\.0\.1:(\d+)/.exec(server.stdout())?.[1], server.stderr)
      const client = await example('https-client.mjs', {SPIFFE_ENDPOINT_SOCKET: sockets.client, SERVER_ID: SERVER_ID}, `https://127.0.0.1:${port}/`).done
      assert.equal(client.stdout, `hello URI:${CLIENT_ID} from ${SERVER_ID}\n`, client.stderr)
    } finally {
      server.child.kill('SIGTERM')
    }
    const [grpcRun, jwt] = await others
    assert.equal(grpcRun.stdout, `hello URI:${CLIENT_ID}\n`, grpcRun.stderr)
    assert.match(jwt.stdout, new RegExp(`^with a JWT-SVID: 200 hello ${CLIENT_ID}\nwithout: 401 unauthorized: jwtsvid: missing bearer token\n$`), jwt.stderr)
  })
})

// A generic two-method service with raw-buffer messages (no .proto needed).
const raw = {serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b}
const ECHO: grpc.ServiceDefinition = {
  Echo: {path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize},
  Count: {path: '/test.Echo/Count', requestStream: false, responseStream: true, requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize},
}
const EchoClient = grpc.makeGenericClientConstructor(ECHO, 'Echo')
type Echo = InstanceType<typeof EchoClient> & {
  Echo(req: Buffer, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): void
  Count(req: Buffer): grpc.ClientReadableStream<Buffer>
}

function peerSerial(call: {getAuthContext(): {sslPeerCertificate?: {serialNumber: string}}}): string {
  // Node's PeerCertificate serial is upper-case hex; X509Certificate's is too.
  return call.getAuthContext().sslPeerCertificate?.serialNumber ?? ''
}

function unary(client: InstanceType<typeof EchoClient>, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => (client as Echo).Echo(Buffer.from('hi'), {deadline: Date.now() + timeoutMs},
    (err, res) => (err !== null ? reject(err) : resolve(res?.toString() ?? ''))))
}

async function stream(client: InstanceType<typeof EchoClient>): Promise<string[]> {
  const out: string[] = []
  for await (const message of (client as Echo).Count(Buffer.from('go'))) out.push((message as Buffer).toString())
  return out
}

function bind(server: grpc.Server, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, port) => (err !== null ? reject(err) : resolve(port))))
}

let clientSourceSerialAtWrite = ''

/** The source's current SVID as tbot's file output names them. */
function writeSvidFiles(name: string, source: X509Source): {cert: string; key: string; bundle: string} {
  const svid = source.getX509Svid()
  const pem = svid.marshal()
  if (source === clientSource) clientSourceSerialAtWrite = svid.leaf.serialNumber
  const files = {cert: join(cluster.dir, `${name}-svid.pem`), key: join(cluster.dir, `${name}-svid_key.pem`), bundle: join(cluster.dir, `${name}-svid_bundle.pem`)}
  writeFileSync(files.cert, pem.certificates)
  writeFileSync(files.key, pem.privateKey, {mode: 0o600})
  writeFileSync(files.bundle, source.x509Bundles().flatMap((b) => b.x509Authorities()).map((c) => c.toString()).join(''))
  return files
}

/** openssl s_client sending one request (asynchronous: the server under test runs in this process). */
async function sClient(port: number, files: {cert: string; key: string; bundle: string}): Promise<string> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-cert', files.cert, '-key', files.key,
    '-CAfile', files.bundle, '-verify_return_error', '-quiet'], {stdio: ['pipe', 'pipe', 'pipe']})
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stdin.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  const timer = setTimeout(() => child.kill(), 15_000)
  await once(child, 'close')
  clearTimeout(timer)
  return out
}

async function freePort(): Promise<number> {
  const {createServer} = await import('node:net')
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const port = (probe.address() as AddressInfo).port
  await new Promise((r) => probe.close(r))
  return port
}

async function waitForPort(child: ChildProcess, port: number): Promise<void> {
  let out = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d))
  await waitFor(`openssl s_server on ${port}`, () => (out.includes('ACCEPT') ? true : undefined), () => out, 10_000)
}
