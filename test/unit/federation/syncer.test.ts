/**
 * The federation syncer against real HTTPS bundle endpoints (node:https with a test CA), a real file
 * store and a controlled clock: statuses on success and on every kind of broken endpoint, the last
 * good bundle kept, the refresh hint clamped, backoff, and one syncer per data directory.
 */
import assert from 'node:assert/strict'
import {createPublicKey} from 'node:crypto'
import {createServer as createHttpServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo, Server} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {federatedAuthorities, withFederated} from '../../../src/lib/federation/federated-trust.js'
import {FileLeaderLock} from '../../../src/lib/federation/leader-lock.js'
import {FederationSyncer, nextSyncInMs, DEFAULT_SYNC_INTERVALS} from '../../../src/lib/federation/syncer.js'
import {parseResourceValue} from '../../../src/lib/resources/parse.js'
import type {SpiffeFederation} from '../../../src/lib/resources/spiffe-federation.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {SpiffeBundle} from '../../../src/lib/spiffe/spiffe-bundle.js'
import {FileResourceStore} from '../../../src/lib/storage/file-store.js'
import {makeRootCa, makeSelfSignedServerCert, makeServerCert, makeTrustDomainCa, type TestCert, type TrustDomainCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

const FOREIGN = 'foreign.example'

function bundleJson(ca: TrustDomainCa, refreshHintS?: number): string {
  return new SpiffeBundle(TrustDomain.parse(ca.trustDomain), {
    x509Authorities: [ca.der], jwtAuthorities: new Map([['k1', createPublicKey(ca.keyPem)]]),
    ...(refreshHintS === undefined ? {} : {refreshHintMs: refreshHintS * 1000}), sequenceNumber: 1,
  }).marshal()
}

/** A bundle endpoint whose answer the test changes; counts requests. */
class Endpoint {
  handler: (res: ServerResponse) => void = (res) => res.end('{}')
  requests = 0
  constructor(readonly server: Server) {}
  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/bundle.json`
  }
  handle = (_req: IncomingMessage, res: ServerResponse): void => {
    this.requests++
    this.handler(res)
  }
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
}

function federation(name: string, source: Record<string, unknown>): SpiffeFederation {
  return parseResourceValue({kind: 'spiffe_federation', version: 'v1', metadata: {name}, spec: {bundle_source: source}}, {}) as SpiffeFederation
}

describe('FederationSyncer', () => {
  let webCa: TestCert
  let foreign: TrustDomainCa
  let other: TrustDomainCa
  let endpoint: Endpoint
  let untrusted: Endpoint
  let plain: Endpoint
  const servers: Server[] = []

  before(async () => {
    webCa = await makeRootCa('web test CA')
    foreign = await makeTrustDomainCa(FOREIGN)
    other = await makeTrustDomainCa('other.example')
    const cert = await makeServerCert(webCa)
    const https = createHttpsServer({cert: cert.certPem, key: cert.keyPem})
    endpoint = new Endpoint(https)
    https.on('request', endpoint.handle)
    const self = await makeSelfSignedServerCert()
    const https2 = createHttpsServer({cert: self.certPem, key: self.keyPem})
    untrusted = new Endpoint(https2)
    https2.on('request', untrusted.handle)
    const http = createHttpServer()
    plain = new Endpoint(http)
    http.on('request', plain.handle)
    for (const s of [https, https2, http]) {
      await listen(s)
      servers.push(s)
    }
  })
  after(() => {
    for (const s of servers) s.close()
  })

  function setup(now: {t: number}) {
    const dir = tempDir()
    const store = new FileResourceStore(join(dir, 'resources'), join(dir, '.lock'))
    const syncer = new FederationSyncer({
      store, lock: new FileLeaderLock(dir), now: () => new Date(now.t), localTrustDomain: 'home.example', fetcher: {ca: webCa.certPem},
    })
    const put = (f: SpiffeFederation) => store.transact(async (tx) => { tx.put(f) })
    const status = async (name = FOREIGN) => (await store.get('spiffe_federation', name))?.status
    return {dir, store, syncer, put, status}
  }

  it('stores the bundle, when and where it came from, and the next sync after the clamped refresh hint', async () => {
    const now = {t: Date.parse('2026-12-04T12:00:00Z')}
    const {syncer, put, status} = setup(now)
    endpoint.handler = (res) => res.end(bundleJson(foreign, 5))
    await put(federation(FOREIGN, {https_web: {bundle_endpoint_url: endpoint.url}}))
    await syncer.syncDue()
    const s = await status()
    assert.ok(s?.current_bundle !== undefined)
    assert.ok(SpiffeBundle.parse(TrustDomain.parse(FOREIGN), s.current_bundle).x509Authorities()[0]?.raw.equals(foreign.der))
    assert.equal(s.current_bundle_synced_at, '2026-12-04T12:00:00Z')
    assert.deepEqual(s.current_bundle_synced_from, {https_web: {bundle_endpoint_url: endpoint.url}})
    assert.equal(s.current_bundle_refresh_hint, '5s')
    // A 5 s hint is clamped to the 1 minute minimum.
    assert.equal(s.next_sync_at, '2026-12-04T12:01:00Z')
    assert.equal(s.last_sync_error, undefined)
    const requests = endpoint.requests
    await syncer.syncDue()
    assert.equal(endpoint.requests, requests, 'nothing is fetched before next_sync_at')
    await syncer.close()
  })

  it('records each broken endpoint in the status and keeps the last good bundle', async () => {
    const now = {t: Date.parse('2026-12-04T12:00:00Z')}
    const {syncer, put, status, store} = setup(now)
    endpoint.handler = (res) => res.end(bundleJson(foreign))
    await put(federation(FOREIGN, {https_web: {bundle_endpoint_url: endpoint.url}}))
    await syncer.syncDue()
    const good = (await status())?.current_bundle
    assert.ok(good !== undefined)
    assert.equal((await status())?.next_sync_at, '2026-12-04T12:05:00Z', 'no hint: 5 minutes')
    const cases: Array<[string, (res: ServerResponse) => void, RegExp]> = [
      ['malformed JWKS', (res) => res.end('{"keys": [{"kty": "EC", "use": "x509-svid"}'), /failed to decode bundle/],
      ['a bundle for another trust domain', (res) => res.end(bundleJson(other)), /bundle is for trust domain "other.example", not "foreign.example"/],
      ['a 10 MB body', (res) => res.end(Buffer.alloc(10 * 1024 * 1024, 0x20)), /larger than 1048576 bytes/],
      ['a 10 MB body without a length', (res) => {
        res.writeHead(200, {'transfer-encoding': 'chunked'})
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1024 * 1024, 0x20))
        res.end()
      }, /larger than 1048576 bytes/],
      ['an error status', (res) => { res.statusCode = 503; res.end('down') }, /unexpected status 503/],
    ]
    for (const [what, handler, expected] of cases) {
      endpoint.handler = handler
      now.t += 24 * 3600_000 // past next_sync_at and any backoff
      await syncer.syncDue()
      const s = await status()
      assert.match(s?.last_sync_error ?? '', expected, what)
      assert.equal(s?.current_bundle, good, `${what}: the last good bundle stays`)
      assert.equal(s?.last_sync_attempted_at, new Date(now.t).toISOString().replace('.000Z', 'Z'))
      const listed = federatedAuthorities(await store.list('spiffe_federation'))
      assert.deepEqual(listed.map((a) => a.trustDomain), [FOREIGN], `${what}: still trusted`)
    }
    // Recovery clears the error.
    endpoint.handler = (res) => res.end(bundleJson(foreign, 120))
    now.t += 24 * 3600_000
    await syncer.syncDue()
    assert.equal((await status())?.last_sync_error, undefined)
    assert.equal((await status())?.current_bundle_refresh_hint, '120s')
    await syncer.close()
  })

  it('refuses an untrusted certificate, a plain-HTTP endpoint and a federation with itself', async () => {
    const now = {t: Date.parse('2026-12-04T12:00:00Z')}
    const {syncer, put, status} = setup(now)
    untrusted.handler = (res) => res.end(bundleJson(foreign))
    plain.handler = (res) => res.end(bundleJson(foreign))
    await put(federation(FOREIGN, {https_web: {bundle_endpoint_url: untrusted.url}}))
    await put(federation('plain.example', {https_web: {bundle_endpoint_url: plain.url}}))
    await put(federation('home.example', {static: {bundle: bundleJson(foreign)}}))
    await syncer.syncDue()
    assert.match((await status())?.last_sync_error ?? '', /failed to fetch bundle from https:\/\/127\.0\.0\.1:\d+\/bundle\.json: .*(self.signed|certificate)/i)
    assert.equal((await status())?.current_bundle, undefined)
    assert.equal(untrusted.requests, 0, 'no request reaches an untrusted server')
    assert.match((await status('plain.example'))?.last_sync_error ?? '', /failed to fetch bundle from https:/)
    assert.match((await status('home.example'))?.last_sync_error ?? '', /cannot federate with the cluster's own trust domain/)
    await syncer.close()
  })

  it('backs off after a failure and syncs at once when the source changes', async () => {
    const now = {t: Date.parse('2026-12-04T12:00:00Z')}
    const {syncer, put, status} = setup(now)
    endpoint.handler = (res) => { res.statusCode = 500; res.end() }
    await put(federation(FOREIGN, {https_web: {bundle_endpoint_url: endpoint.url}}))
    const before = endpoint.requests
    await syncer.syncDue()
    await syncer.syncDue()
    assert.equal(endpoint.requests - before, 1, 'the retry waits for the backoff')
    now.t += 1000
    await syncer.syncDue()
    assert.equal(endpoint.requests - before, 2, 'retried after 1 s')
    now.t += 1000
    await syncer.syncDue()
    assert.equal(endpoint.requests - before, 2, 'then after 2 s')
    await put(federation(FOREIGN, {static: {bundle: bundleJson(foreign)}}))
    await syncer.syncDue()
    assert.deepEqual((await status())?.current_bundle_synced_from, {static: {bundle: bundleJson(foreign)}})
    assert.equal((await status())?.next_sync_at, undefined, 'a static bundle is not re-fetched')
    await syncer.close()
  })

  it('lets one syncer per data directory sync; another takes over once the lock is released', async () => {
    const now = {t: Date.parse('2026-12-04T12:00:00Z')}
    const {dir, store, put, status} = setup(now)
    endpoint.handler = (res) => res.end(bundleJson(foreign))
    await put(federation(FOREIGN, {https_web: {bundle_endpoint_url: endpoint.url}}))
    const lease = await new FileLeaderLock(dir).tryAcquire()
    assert.ok(lease !== undefined)
    const second = new FederationSyncer({store, lock: new FileLeaderLock(dir), now: () => new Date(now.t), fetcher: {ca: webCa.certPem}})
    await second.syncDueIfLeader()
    assert.equal(await status(), undefined, 'not the leader: nothing synced')
    await lease.release()
    await second.syncDueIfLeader()
    assert.ok((await status())?.current_bundle !== undefined)
  })

  it('clamps refresh hints to 1 minute..24 hours, 5 minutes by default', () => {
    assert.equal(nextSyncInMs(undefined, DEFAULT_SYNC_INTERVALS), 300_000)
    assert.equal(nextSyncInMs(1000, DEFAULT_SYNC_INTERVALS), 60_000)
    assert.equal(nextSyncInMs(600_000, DEFAULT_SYNC_INTERVALS), 600_000)
    assert.equal(nextSyncInMs(7 * 24 * 3600_000, DEFAULT_SYNC_INTERVALS), 24 * 3600_000)
  })

  it('hands federated bundles out as PEM and JWKs, and changes the fingerprint with them', async () => {
    const synced = parseResourceValue({
      kind: 'spiffe_federation', version: 'v1', metadata: {name: FOREIGN},
      spec: {bundle_source: {static: {bundle: bundleJson(foreign)}}}, status: {current_bundle: bundleJson(foreign)},
    }, {}) as SpiffeFederation
    const [authorities] = federatedAuthorities([synced])
    assert.equal(authorities?.x509Pem, foreign.node.toString())
    assert.deepEqual(authorities?.jwtKeys.map((k) => [k.kid, k.kty, k['x']]), [['k1', 'EC', foreign.jwk.x]])
    const local = {trustDomain: 'home.example', x509Pem: '', jwtKeys: [], federated: [], fingerprint: 'f'}
    assert.equal(withFederated(local, []), local)
    assert.notEqual(withFederated(local, [authorities!]).fingerprint, 'f')
  })
})
