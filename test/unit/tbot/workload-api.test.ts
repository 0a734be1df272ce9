import assert from 'node:assert/strict'
import {X509Certificate, createPrivateKey} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {WorkloadAttrs} from '../../../src/lib/authz/attributes.js'
import {AccessDeniedError} from '../../../src/lib/errors.js'
import {createLogger, discardLogger} from '../../../src/lib/log.js'
import {SpiffeId} from '../../../src/lib/spiffe/id.js'
import {runAgent} from '../../../src/lib/tbot/agent.js'
import {ManualClock} from '../../../src/lib/tbot/clock.js'
import {parseTbotConfig} from '../../../src/lib/tbot/config/load.js'
import {workloadApiStarter} from '../../../src/lib/tbot/workload-api.js'
import {pemCertificates, SessionWorkloadSource} from '../../../src/lib/tbot/workload-source.js'
import {WorkloadApiClient} from '../../../src/lib/workloadapi/client.js'
import {FakeSession} from './fake-session.js'
import {makeTrustDomainCa, type TrustDomainCa} from '../../helpers/pki.js'

let ca: TrustDomainCa
let root = ''
before(async () => {
  ca = await makeTrustDomainCa()
  root = await mkdtemp(join(tmpdir(), 'tbot-wapi-'))
})
after(async () => { await rm(root, {recursive: true, force: true}) })

const ALICE: {workload: WorkloadAttrs} = {workload: {unix: {attested: true, pid: 10, uid: 1000, gid: 1000}}}
const BOB: {workload: WorkloadAttrs} = {workload: {unix: {attested: true, pid: 11, uid: 1001, gid: 1001}}}

function source(session: FakeSession, clock: ManualClock) {
  return new SessionWorkloadSource({
    session, selector: {name: 'foo'}, credentialTtlMs: 3_600_000, renewalIntervalMs: 1_200_000,
    bundlePollIntervalMs: 60_000, clock, random: () => 0.5, log: discardLogger,
  })
}

describe('SessionWorkloadSource', () => {
  it('serves the trust bundle once started', async () => {
    const clock = new ManualClock()
    const s = source(new FakeSession(ca), clock)
    assert.throws(() => s.bundles(), TypeError)
    await s.start()
    const bundles = s.bundles()
    assert.equal(bundles.local.trustDomain.toString(), 'example.teleport.sh')
    assert.deepEqual(bundles.local.x509Authorities, [new Uint8Array(ca.cert.rawData)])
    assert.deepEqual(bundles.local.jwtAuthorities, [ca.jwk])
    assert.deepEqual(bundles.federated, [])
    assert.equal(s.bundles(), bundles, 'same object until something changes')
    await s.stop()
  })

  it('issues per caller with its attributes, for a key it keeps, and caches until rotation', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(ca, undefined, () => clock.now())
    const s = source(session, clock)
    await s.start()
    let notified = 0
    s.subscribe(() => notified++)
    const [a1, a2] = await Promise.all([s.x509Svids(ALICE), s.x509Svids({workload: {unix: {gid: 1000, uid: 1000, pid: 10, attested: true}}})])
    assert.equal(a1, a2, 'concurrent calls with equal attributes share one issuance')
    assert.equal(session.x509Requests.length, 1)
    assert.deepEqual(session.x509Requests[0]!.workloadAttrs, ALICE.workload)
    const entry = a1[0]!
    assert.ok(entry.spiffeId.equals(SpiffeId.parse('spiffe://example.teleport.sh/svc/foo')))
    const cert = new X509Certificate(entry.chain[0]!)
    assert.ok(cert.checkPrivateKey(createPrivateKey({key: Buffer.from(entry.privateKey), format: 'der', type: 'pkcs8'})))
    await s.x509Svids(BOB)
    assert.equal(session.x509Requests.length, 2)
    await clock.whenSleeping(2)
    await clock.advance(1_200_000)
    assert.equal(notified, 1, 'rotation tells the streams')
    const rotated = await s.x509Svids(ALICE)
    assert.notEqual(rotated, a1)
    assert.equal(session.x509Requests.length, 3)
    await s.stop()
  })

  it('does not cache a failure; an empty answer means not entitled', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(ca)
    const s = source(session, clock)
    await s.start()
    session.overrides.x509 = async () => { throw new AccessDeniedError('denied') }
    await assert.rejects(s.x509Svids(ALICE), AccessDeniedError)
    session.overrides.x509 = async () => []
    assert.deepEqual(await s.x509Svids(ALICE), [])
    assert.equal(session.x509Requests.length, 2)
    await s.stop()
  })

  it('pushes a changed trust bundle and re-issues', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(ca)
    const s = source(session, clock)
    await s.start()
    const before = s.bundles()
    await s.x509Svids(ALICE)
    let notified = 0
    s.subscribe(() => notified++)
    const partner = await makeTrustDomainCa('partner.example.com')
    session.federated = [{trustDomain: 'partner.example.com', x509Pem: partner.certPem, jwtKeys: [partner.jwk]}]
    await clock.whenSleeping(2)
    await clock.advance(60_000)
    assert.equal(notified, 1)
    assert.notEqual(s.bundles(), before)
    assert.deepEqual(s.bundles().federated.map((b) => b.trustDomain.toString()), ['partner.example.com'])
    await s.x509Svids(ALICE)
    assert.equal(session.x509Requests.length, 2)
    await s.stop()
  })

  it('JWT-SVIDs: per request, with the audiences, filtered by SPIFFE ID', async () => {
    const session = new FakeSession(ca)
    const s = source(session, new ManualClock())
    const svids = await s.jwtSvids(ALICE, ['a', 'b'])
    assert.equal(svids.length, 1)
    assert.deepEqual(session.jwtRequests[0]!.audiences, ['a', 'b'])
    assert.deepEqual(session.jwtRequests[0]!.workloadAttrs, ALICE.workload)
    assert.deepEqual(await s.jwtSvids(ALICE, ['a'], SpiffeId.parse('spiffe://example.teleport.sh/other')), [])
  })

  it('splits a PEM bundle into DER certificates', async () => {
    const other = await makeTrustDomainCa('other')
    assert.deepEqual(pemCertificates(ca.certPem + other.certPem), [new Uint8Array(ca.cert.rawData), new Uint8Array(other.cert.rawData)])
  })
})

describe('workload-identity-api service through runAgent (real socket, real gRPC)', () => {
  it('serves X.509 and JWT SVIDs and bundles, and shuts the socket on SIGTERM', async () => {
    const socket = join(root, 'workload.sock')
    const config = await parseTbotConfig(`version: v2
proxy_server: example.teleport.sh:443
onboarding: {token: tok}
storage: {type: memory}
services:
- type: workload-identity-api
  listen: unix://${socket}
  selector: {name: foo}
`)
    const signals = new EventEmitter()
    const clock = new ManualClock(Date.now())
    const sessions: FakeSession[] = []
    const lines: string[] = []
    const done = runAgent(config, {
      connect: async () => {
        const s = new FakeSession(ca)
        sessions.push(s)
        return s
      },
      log: createLogger({component: 'tbot', write: (l) => lines.push(l)}),
      clock,
      signals,
      startWorkloadApi: workloadApiStarter({clock, random: () => 0.5}),
    })
    for (let i = 0; i < 5000 && !lines.some((l) => l.includes('Workload API service listening')); i++) await new Promise((r) => setTimeout(r, 1))
    const client = await WorkloadApiClient.create({address: `unix://${socket}`, timeoutMs: 10_000})
    try {
      const context = await client.fetchX509Context()
      assert.equal(context.svids[0]!.spiffeId.toString(), 'spiffe://example.teleport.sh/svc/foo')
      assert.deepEqual([...context.bundles.keys()], ['example.teleport.sh'])
      const attrs = sessions[0]!.x509Requests[0]!.workloadAttrs
      assert.equal(attrs?.unix?.pid, process.pid, 'the caller was attested and its attributes sent')
      const jwt = await client.fetchJwtSvid({audience: 'sts.amazonaws.com'})
      assert.equal(jwt.spiffeId.toString(), 'spiffe://example.teleport.sh/svc/foo')
      assert.deepEqual(jwt.audience, ['sts.amazonaws.com'])
      const jwtBundles = await client.fetchJwtBundles()
      assert.deepEqual([...jwtBundles.keys()], ['example.teleport.sh'])
    } finally {
      client.close()
    }
    signals.emit('SIGTERM')
    await done
    assert.equal(existsSync(socket), false, 'socket removed')
    assert.equal(sessions[0]!.closed, true)
  })
})
