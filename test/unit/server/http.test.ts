import assert from 'node:assert/strict'
import {request as httpsRequest} from 'node:https'
import {connect as tlsConnect} from 'node:tls'
import {after, before, describe, it} from 'node:test'
import {AccessDeniedError} from '../../../src/lib/errors.js'
import {createLogger} from '../../../src/lib/log.js'
import {HttpServer, type HttpLimits} from '../../../src/lib/server/http.js'
import {reply, type Route} from '../../../src/lib/server/router.js'
import {makeClientCert, makeRootCa, makeServerCert, type TestCert} from '../../helpers/pki.js'

interface Caller {
  readonly name: string
}

interface Pki {
  root: TestCert
  server: TestCert
  alice: TestCert
  mallory: TestCert
  expired: TestCert
  foreign: TestCert
}

let pki: Pki

before(async () => {
  const root = await makeRootCa('cluster-ca')
  const foreignRoot = await makeRootCa('other-ca')
  pki = {
    root,
    server: await makeServerCert(root),
    alice: await makeClientCert(root, 'alice'),
    mallory: await makeClientCert(root, 'mallory'),
    expired: await makeClientCert(root, 'old', {notBefore: new Date(Date.now() - 48 * 3600_000), notAfter: new Date(Date.now() - 24 * 3600_000)}),
    foreign: await makeClientCert(foreignRoot, 'alice'),
  }
})

interface Started {
  server: HttpServer<Caller>
  url: URL
  logs: Record<string, unknown>[]
}

async function start(routes: Route<Caller>[], limits: Partial<HttpLimits> = {}): Promise<Started> {
  const logs: Record<string, unknown>[] = []
  const server = new HttpServer<Caller>({
    tls: {cert: pki.server.certPem, key: pki.server.keyPem, clientCas: pki.root.certPem},
    routes,
    authenticate: ({certificate}) => {
      const name = /CN=(.*)/.exec(certificate.subject)?.[1] ?? ''
      if (name === 'mallory') throw new AccessDeniedError('mallory is locked')
      return {name}
    },
    describeCaller: (c) => c.name,
    logger: createLogger({format: 'json', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>)}),
    limits: {connectionsCheckingIntervalMs: 50, ...limits},
  })
  await server.listen(0, '127.0.0.1')
  return {server, url: new URL(server.url()), logs}
}

interface CallOptions {
  method?: string
  body?: string | Buffer
  headers?: Record<string, string>
  client?: TestCert
}

interface CallResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: unknown
}

function call(url: URL, path: string, options: CallOptions = {}): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: url.hostname, port: url.port, path, method: options.method ?? 'GET', ca: pki.root.certPem, agent: false,
      headers: options.headers ?? {},
      ...(options.client === undefined ? {} : {cert: options.client.certPem, key: options.client.keyPem}),
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text)})
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** A raw TLS connection: write `data`, then collect everything until the server closes. */
function rawExchange(url: URL, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({host: url.hostname, port: Number(url.port), ca: pki.root.certPem}, () => socket.write(data))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

const whoami: Route<Caller> = {method: 'GET', path: '/v1/whoami', auth: 'required', handler: (req) => ({name: req.caller.name})}
const hello: Route<Caller> = {method: 'GET', path: '/webapi/hello', auth: 'none', handler: () => ({hello: 'world'})}

describe('HttpServer: routes and errors', () => {
  let s: Started
  let handled = 0
  const echo: Route<Caller> = {method: 'POST', path: '/v1/echo', auth: 'none', handler: (req) => {
    handled++
    return {body: req.body}
  }}
  before(async () => {
    s = await start([
      hello, whoami, echo,
      {method: 'GET', path: '/v1/maybe', auth: 'optional', handler: (req) => ({caller: req.caller?.name ?? null})},
      {method: 'GET', path: '/v1/bots/:name', auth: 'none', handler: (req) => ({name: req.params.name, q: req.query.get('q')})},
      {method: 'GET', path: '/v1/tokens/:name', auth: 'none', redactParams: ['name'], handler: () => reply({}, {status: 201, headers: {'x-extra': 'yes'}})},
      {method: 'DELETE', path: '/v1/nothing', auth: 'none', handler: () => undefined},
      {method: 'GET', path: '/v1/boom', auth: 'none', handler: () => {
        throw new Error('secret detail at /etc/hidden')
      }},
    ], {maxBodyBytes: 1024})
  })
  after(() => s.server.close())

  it('serves a public route without a client certificate', async () => {
    const r = await call(s.url, '/webapi/hello')
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, {hello: 'world'})
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.headers['cache-control'], 'no-store')
  })

  it('gives an authenticated route the caller from a valid client certificate', async () => {
    const r = await call(s.url, '/v1/whoami', {client: pki.alice})
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, {name: 'alice'})
  })

  it('refuses an authenticated route without a client certificate: 401', async () => {
    const r = await call(s.url, '/v1/whoami')
    assert.equal(r.status, 401)
    assert.deepEqual(r.json, {error: {code: 'UNAUTHENTICATED', message: 'this endpoint requires a client certificate'}})
  })

  it('refuses a certificate from a foreign CA: 401', async () => {
    const r = await call(s.url, '/v1/whoami', {client: pki.foreign})
    assert.equal(r.status, 401)
    assert.deepEqual(r.json, {error: {code: 'UNAUTHENTICATED', message: 'client certificate rejected: UNABLE_TO_VERIFY_LEAF_SIGNATURE'}})
  })

  it('refuses an expired certificate: 401', async () => {
    const r = await call(s.url, '/v1/whoami', {client: pki.expired})
    assert.equal(r.status, 401)
    assert.deepEqual(r.json, {error: {code: 'UNAUTHENTICATED', message: 'client certificate rejected: CERT_HAS_EXPIRED'}})
  })

  it('maps an error from the authenticate hook with its status and code', async () => {
    const r = await call(s.url, '/v1/whoami', {client: pki.mallory})
    assert.equal(r.status, 403)
    assert.deepEqual(r.json, {error: {code: 'ACCESS_DENIED', message: 'mallory is locked'}})
  })

  it('optional auth: anonymous without a certificate, the caller with one, 401 with a bad one', async () => {
    assert.deepEqual((await call(s.url, '/v1/maybe')).json, {caller: null})
    assert.deepEqual((await call(s.url, '/v1/maybe', {client: pki.alice})).json, {caller: 'alice'})
    assert.equal((await call(s.url, '/v1/maybe', {client: pki.expired})).status, 401)
  })

  it('public routes ignore a bad client certificate', async () => {
    assert.equal((await call(s.url, '/webapi/hello', {client: pki.foreign})).status, 200)
  })

  it('parses a JSON body', async () => {
    const r = await call(s.url, '/v1/echo', {method: 'POST', body: '{"a":[1,2]}', headers: {'content-type': 'application/json'}})
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, {body: {a: [1, 2]}})
  })

  it('answers malformed JSON with 400', async () => {
    const before = handled
    const r = await call(s.url, '/v1/echo', {method: 'POST', body: '{"a":', headers: {'content-type': 'application/json'}})
    assert.equal(r.status, 400)
    const {error} = r.json as {error: {code: string; message: string}}
    assert.equal(error.code, 'BAD_PARAMETER')
    assert.match(error.message, /^request body is not valid JSON: /)
    assert.equal(handled, before)
  })

  it('refuses a body that is not JSON by content type', async () => {
    const r = await call(s.url, '/v1/echo', {method: 'POST', body: 'a=b', headers: {'content-type': 'application/x-www-form-urlencoded'}})
    assert.equal(r.status, 400)
    assert.deepEqual(r.json, {error: {code: 'BAD_PARAMETER', message: 'unsupported content type "application/x-www-form-urlencoded"; send application/json'}})
  })

  it('refuses an oversized body with 413 and never calls the handler (Content-Length)', async () => {
    const before = handled
    const r = await call(s.url, '/v1/echo', {method: 'POST', body: JSON.stringify({pad: 'x'.repeat(2000)}), headers: {'content-type': 'application/json'}})
    assert.equal(r.status, 413)
    assert.deepEqual(r.json, {error: {code: 'LIMIT_EXCEEDED', message: 'request body exceeds the limit of 1024 bytes'}})
    assert.equal(r.headers.connection, 'close')
    assert.equal(handled, before)
  })

  it('refuses an oversized chunked body with 413 and never calls the handler', async () => {
    const before = handled
    const chunk = 'x'.repeat(600)
    const hex = chunk.length.toString(16)
    const raw = await rawExchange(s.url,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${hex}\r\n${chunk}\r\n${hex}\r\n${chunk}\r\n`)
    assert.match(raw, /^HTTP\/1\.1 413 /)
    assert.ok(raw.endsWith('{"error":{"code":"LIMIT_EXCEEDED","message":"request body exceeds the limit of 1024 bytes"}}'), raw)
    assert.equal(handled, before)
  })

  it('answers an unknown route with a JSON 404 and a wrong method with 405', async () => {
    const r = await call(s.url, '/v1/nope')
    assert.equal(r.status, 404)
    assert.deepEqual(r.json, {error: {code: 'NOT_FOUND', message: 'no route for GET /v1/nope'}})
    const m = await call(s.url, '/webapi/hello', {method: 'PUT'})
    assert.equal(m.status, 405)
    assert.equal(m.headers.allow, 'GET')
    assert.deepEqual(m.json, {error: {code: 'BAD_PARAMETER', message: 'method PUT is not allowed on /webapi/hello'}})
  })

  it('decodes path parameters and the query', async () => {
    const r = await call(s.url, '/v1/bots/a%20b?q=1')
    assert.deepEqual(r.json, {name: 'a b', q: '1'})
  })

  it('sends a Reply status and headers, and 204 for no result', async () => {
    const r = await call(s.url, '/v1/tokens/s3cr3t')
    assert.equal(r.status, 201)
    assert.equal(r.headers['x-extra'], 'yes')
    const d = await call(s.url, '/v1/nothing', {method: 'DELETE'})
    assert.equal(d.status, 204)
    assert.equal(d.text, '')
  })

  it('turns an unexpected error into a bare 500 and logs it', async () => {
    const r = await call(s.url, '/v1/boom')
    assert.equal(r.status, 500)
    assert.deepEqual(r.json, {error: {code: 'INTERNAL', message: 'internal server error'}})
    assert.ok(!r.text.includes('secret detail'))
    assert.ok(s.logs.some((l) => l.message === 'request failed' && l.error === 'secret detail at /etc/hidden'))
  })

  it('logs one line per request with method, path, status, duration and caller; never bodies or secret params', async () => {
    await call(s.url, '/v1/whoami', {client: pki.alice})
    await call(s.url, '/v1/echo', {method: 'POST', body: '{"password":"hunter2"}', headers: {'content-type': 'application/json'}})
    await call(s.url, '/v1/tokens/s3cr3t?x=1')
    await new Promise((r) => setImmediate(r))
    const line = s.logs.findLast((l) => l.message === 'request' && l.path === '/v1/whoami')
    assert.ok(line)
    assert.equal(line.method, 'GET')
    assert.equal(line.status, 200)
    assert.equal(line.caller, 'alice')
    assert.equal(typeof line.duration_ms, 'number')
    assert.equal(line.remote_addr, '127.0.0.1')
    const all = JSON.stringify(s.logs)
    assert.ok(!all.includes('hunter2'))
    assert.ok(!all.includes('s3cr3t'))
    assert.ok(s.logs.some((l) => l.path === '/v1/tokens/[REDACTED]' && l.status === 201))
  })
})

describe('HttpServer: slow clients', () => {
  let s: Started
  before(async () => {
    s = await start([{method: 'POST', path: '/v1/echo', auth: 'none', handler: (req) => req.body}, hello],
      {headersTimeoutMs: 300, requestTimeoutMs: 2000, bodyTimeoutMs: 300})
  })
  after(() => s.server.close())

  it('cuts off a client that stalls in the middle of its headers', async () => {
    const raw = await rawExchange(s.url, 'GET /webapi/hello HTTP/1.1\r\nHost: x\r\n')
    assert.match(raw, /^HTTP\/1\.1 408 /)
  })

  it('cuts off a client that sends its headers and then stalls in the body', async () => {
    const raw = await rawExchange(s.url, 'POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":')
    assert.match(raw, /^HTTP\/1\.1 408 /)
    assert.ok(raw.endsWith('{"error":{"code":"BAD_PARAMETER","message":"the request body was not received within 300 ms"}}'), raw)
  })
})

describe('HttpServer: graceful shutdown', () => {
  it('stops accepting, lets an in-flight request finish, then resolves', async () => {
    let release!: () => void
    let entered!: () => void
    const inHandler = new Promise<void>((r) => (entered = r))
    const s = await start([hello, {method: 'GET', path: '/v1/slow', auth: 'none', handler: async () => {
      entered()
      await new Promise<void>((r) => (release = r))
      return {done: true}
    }}])
    const inFlight = call(s.url, '/v1/slow')
    await inHandler
    const closed = s.server.close(10_000)
    await assert.rejects(call(s.url, '/webapi/hello'), /ECONNREFUSED/)
    release()
    const r = await inFlight
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, {done: true})
    assert.equal(r.headers.connection, 'close')
    await closed
  })

  it('at the deadline aborts the handler and drops the connection', async () => {
    let signal!: AbortSignal
    let entered!: () => void
    const inHandler = new Promise<void>((r) => (entered = r))
    const s = await start([{method: 'GET', path: '/v1/stuck', auth: 'none', handler: (req) => {
      signal = req.signal
      entered()
      return new Promise(() => {})
    }}])
    const inFlight = call(s.url, '/v1/stuck')
    await inHandler
    await s.server.close(100)
    await assert.rejects(inFlight, /socket hang up|ECONNRESET/)
    assert.equal(signal.aborted, true)
  })
})

describe('HttpServer: setTls', () => {
  it('trusts new client CAs for new connections (CA rotation)', async () => {
    const s = await start([whoami])
    try {
      assert.equal((await call(s.url, '/v1/whoami', {client: pki.foreign})).status, 401)
      const foreignCa = await makeRootCa('rotated-ca')
      const rotatedClient = await makeClientCert(foreignCa, 'bob')
      s.server.setTls({cert: pki.server.certPem, key: pki.server.keyPem, clientCas: [pki.root.certPem, foreignCa.certPem]})
      const r = await call(s.url, '/v1/whoami', {client: rotatedClient})
      assert.equal(r.status, 200)
      assert.deepEqual(r.json, {name: 'bob'})
      assert.equal((await call(s.url, '/v1/whoami', {client: pki.alice})).status, 200)
    } finally {
      await s.server.close()
    }
  })
})

describe('HttpServer: construction', () => {
  it('refuses routes that need a caller without client CAs or an authenticate hook', () => {
    assert.throws(() => new HttpServer<Caller>({tls: {cert: pki.server.certPem, key: pki.server.keyPem}, routes: [whoami]}),
      {name: 'TypeError', message: 'routes that take a caller need both tls.clientCas and authenticate'})
  })

  it('refuses duplicate routes', () => {
    assert.throws(() => new HttpServer<Caller>({tls: {cert: pki.server.certPem, key: pki.server.keyPem}, routes: [hello, hello]}),
      {name: 'TypeError', message: 'duplicate route GET /webapi/hello'})
  })
})
