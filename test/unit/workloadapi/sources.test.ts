/**
 * The Workload API sources against the real Workload API server on a real Unix socket (the test
 * PKI's TestSource behind it): first update before create() resolves, pushes as `updated`, reconnect
 * after the server restarts, go-spiffe's closed and missing-bundle messages; then the sources driving
 * SPIFFE TLS through undici and node:http2, and the JWT-SVID bearer gate.
 */
import assert from 'node:assert/strict'
import {once} from 'node:events'
import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import type {TLSSocket} from 'node:tls'
import {after, before, describe, it} from 'node:test'
import {fetch} from 'undici'
import {
  JwtSource, TrustDomain, WorkloadBundleSource, X509Source, authorizeAny, authorizeID, jwtBearerGate, mtlsClientConfig,
  mtlsServerConfig, startWorkloadApiServer, undiciAgent, type RunningWorkloadApiServer,
} from '../../../src/index.js'
import {tempDir} from '../../helpers/tmp.js'
import {TestSource} from '../../helpers/workload-source.js'

const ID = 'spiffe://example.org/workload'
const TD = TrustDomain.parse('example.org')
const dir = tempDir('sources-')
const socket = join(dir, 'workload.sock')
const address = `unix://${socket}`

let source: TestSource
let server: RunningWorkloadApiServer
const start = async () => (server = await startWorkloadApiServer({listen: address, source}))
const options = {address, backoff: {initialMs: 20, maxMs: 100}, initialTimeoutMs: 10_000}

describe('X509Source, JwtSource and WorkloadBundleSource on a real Workload API socket', () => {
  before(async () => {
    source = await TestSource.create(ID)
    await start()
  })
  after(async () => {
    await server.close(0)
  })

  it('X509Source: the SVID and bundle at create(), a rotation as `updated`, a restart survived', async () => {
    const x509 = await X509Source.create(options)
    try {
      assert.equal(x509.getX509Svid().id.toString(), ID)
      assert.equal(x509.getX509BundleForTrustDomain(TD).x509Authorities().length, 1)
      assert.throws(() => x509.getX509BundleForTrustDomain(TrustDomain.parse('other.org')),
        {message: 'x509source: no X.509 bundle for trust domain "other.org"'})
      const first = x509.getX509Svid().leaf.serialNumber
      const updated = once(x509, 'updated')
      await source.rotate()
      await updated
      const second = x509.getX509Svid().leaf.serialNumber
      assert.notEqual(second, first)
      // The server goes away and comes back with a new CA: the watch reconnects with its backoff.
      await server.close(0)
      await source.rotate(true)
      const reconnected = once(x509, 'updated')
      await start()
      await reconnected
      assert.notEqual(x509.getX509Svid().leaf.serialNumber, second)
      assert.equal(x509.getX509BundleForTrustDomain(TD).x509Authorities()[0]?.raw.equals(source.ca.der), true)
    } finally {
      x509.close()
    }
    assert.throws(() => x509.getX509Svid(), {message: 'x509source: source is closed'})
  })

  it('create() fails with go-spiffe\'s messages on a missing or bad address, and after initialTimeoutMs', async () => {
    await assert.rejects(X509Source.create({env: {}}), {message: 'workload endpoint socket address is not configured'})
    await assert.rejects(JwtSource.create({address: 'http://x'}), {message: 'workload endpoint socket URI must have a "tcp" or "unix" scheme'})
    await assert.rejects(X509Source.create({address: `unix://${join(dir, 'nobody.sock')}`, initialTimeoutMs: 300}),
      {message: 'x509source: no update from the Workload API within 300 ms'})
  })

  it('JwtSource: a JWT-SVID for an audience, the JWT bundle, and the bearer gate on an http server', async () => {
    const jwt = await JwtSource.create(options)
    const gate = jwtBearerGate(jwt, {audience: 'api', authorizer: authorizeID(ID)})
    const strict = jwtBearerGate(jwt, {audience: 'api', authorizer: authorizeID('spiffe://example.org/admin')})
    const web = http.createServer(async (req, res) => {
      const caller = await (req.url === '/strict' ? strict : gate)(req, res)
      if (caller !== undefined) res.end(caller.id.toString())
    })
    web.listen(0, '127.0.0.1')
    await once(web, 'listening')
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`
    try {
      const svid = await jwt.fetchJwtSvid({audience: 'api'})
      assert.equal(svid.id.toString(), ID)
      assert.deepEqual(svid.audience, ['api'])
      assert.equal(jwt.getJwtBundleForTrustDomain(TD).jwtAuthorities().size, 1)
      const call = (path: string, token?: string) => fetch(base + path, token === undefined ? {} : {headers: {authorization: `Bearer ${token}`}})
      const ok = await call('/', svid.marshal())
      assert.deepEqual([ok.status, await ok.text()], [200, ID])
      const none = await call('/')
      assert.equal(none.status, 401)
      assert.equal(none.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
      const otherAudience = await call('/', (await jwt.fetchJwtSvid({audience: 'elsewhere'})).marshal())
      assert.equal(otherAudience.status, 401)
      const denied = await call('/strict', svid.marshal())
      assert.deepEqual([denied.status, await denied.text()], [403, `forbidden: unexpected ID "${ID}"\n`])
    } finally {
      web.close()
      jwt.close()
    }
    await assert.rejects(jwt.fetchJwtSvid({audience: 'api'}), {message: 'jwtsource: source is closed'})
  })

  it('WorkloadBundleSource: both halves of the trust domain\'s bundle; a missing one is go-spiffe\'s message', async () => {
    const bundles = await WorkloadBundleSource.create(options)
    try {
      const bundle = bundles.getBundleForTrustDomain(TD)
      assert.equal(bundle.x509Authorities().length, 1)
      assert.equal(bundle.jwtAuthorities().size, 1)
      assert.deepEqual(bundles.x509Bundles().map((b) => b.trustDomain.name), ['example.org'])
      assert.throws(() => bundles.getJwtBundleForTrustDomain(TrustDomain.parse('other.org')),
        {message: 'bundlesource: no JWT bundle for trust domain "other.org"'})
    } finally {
      bundles.close()
    }
  })

  it('undici and node:http2 speak SPIFFE mTLS on an X509Source', async () => {
    const x509 = await X509Source.create(options)
    const config = mtlsServerConfig(x509, x509, authorizeID(ID))
    const h1 = config.attach(https.createServer(config, (req, res) => res.end((req.socket as TLSSocket).getPeerX509Certificate()?.subjectAltName)))
    const h2 = config.attach(http2.createSecureServer(config, (req, res) => res.end(`h2 ${req.httpVersion}`)))
    for (const s of [h1, h2]) s.listen(0, '127.0.0.1')
    await Promise.all([once(h1, 'listening'), once(h2, 'listening')])
    const port = (s: {address(): unknown}) => (s.address() as AddressInfo).port
    const client = mtlsClientConfig(x509, x509, authorizeID(ID))
    const dispatcher = undiciAgent(client)
    try {
      const res = await fetch(`https://127.0.0.1:${port(h1)}/`, {dispatcher})
      assert.equal(await res.text(), `URI:${ID}`)
      const wrong = undiciAgent(mtlsClientConfig(x509, x509, authorizeID('spiffe://example.org/api')))
      await assert.rejects(fetch(`https://127.0.0.1:${port(h1)}/`, {dispatcher: wrong}),
        (err: Error) => /unexpected ID "spiffe:\/\/example\.org\/workload"/.test(String((err.cause as Error | undefined)?.message)))
      await wrong.close()
      const session = http2.connect(`https://127.0.0.1:${port(h2)}`, {...client})
      const stream = session.request({':path': '/'})
      let body = ''
      stream.setEncoding('utf8').on('data', (d: string) => (body += d))
      await once(stream, 'end')
      session.close()
      assert.equal(body, 'h2 2.0')
      const anyone = mtlsClientConfig(x509, x509, authorizeAny())
      assert.equal((await fetch(`https://127.0.0.1:${port(h1)}/`, {dispatcher: undiciAgent(anyone)})).status, 200)
    } finally {
      await dispatcher.close()
      h1.close()
      h2.close()
      x509.close()
    }
  })
})
