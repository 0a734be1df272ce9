import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {WorkloadAttrs} from '../../../src/lib/authz/attributes.js'
import {discardLogger} from '../../../src/lib/log.js'
import {ManualClock} from '../../../src/lib/tbot/clock.js'
import {SvidCache} from '../../../src/lib/tbot/workload-cache.js'
import {SessionWorkloadSource} from '../../../src/lib/tbot/workload-source.js'
import {FakeSession} from './fake-session.js'
import {makeTrustDomainCa} from '../../helpers/pki.js'

const ALICE: {workload: WorkloadAttrs} = {workload: {unix: {attested: true, pid: 10, uid: 1000, gid: 1000}}}
const BOB: {workload: WorkloadAttrs} = {workload: {unix: {attested: true, pid: 11, uid: 1001, gid: 2000}}}
const MINUTE = 60_000

describe('SvidCache', () => {
  it('shares an issuance in flight, serves it until half the TTL, then issues again', async () => {
    let now = 0
    const cache = new SvidCache<string>(4, () => now)
    let issued = 0
    const issue = async () => ({value: `v${++issued}`, ttlMs: 10 * MINUTE})
    const [a, b] = await Promise.all([cache.get('k', issue), cache.get('k', issue)])
    assert.deepEqual([a, b, issued], ['v1', 'v1', 1])
    assert.equal(cache.nextStaleAt(), 5 * MINUTE)
    now = 5 * MINUTE - 1
    assert.equal(await cache.get('k', issue), 'v1')
    now = 5 * MINUTE
    assert.equal(cache.nextStaleAt(), undefined, 'a stale entry is dropped, nothing else will go stale')
    assert.equal(await cache.get('k', issue), 'v2')
    assert.equal(cache.nextStaleAt(), 10 * MINUTE)
  })

  it('forgets a failure at once, and evicts the least recently used entry beyond its capacity', async () => {
    const cache = new SvidCache<string>(2, () => 0)
    await assert.rejects(cache.get('k', async () => { throw new Error('boom') }), /boom/)
    assert.equal(cache.size, 0)
    const value = (v: string) => async () => ({value: v, ttlMs: undefined})
    await cache.get('a', value('a1'))
    await cache.get('b', value('b1'))
    await cache.get('a', value('a2'))
    await cache.get('c', value('c1'))
    assert.equal(cache.size, 2)
    assert.equal(await cache.get('a', value('a3')), 'a1', 'recently used: kept')
    assert.equal(await cache.get('b', value('b2')), 'b2', 'least recently used: evicted')
    assert.equal(cache.nextStaleAt(), undefined, 'no TTL: never stale')
    assert.throws(() => new SvidCache(0, () => 0), TypeError)
  })

  it('holds at most maxBytes of keys and values, least recently used first out; an oversized entry is served, not kept', async () => {
    const cache = new SvidCache<string>({capacity: 100, maxBytes: 100, sizeOf: (v) => v.length}, () => 0)
    const value = (v: string) => async () => ({value: v, ttlMs: undefined})
    await cache.get('a', value('x'.repeat(40)))
    await cache.get('b', value('y'.repeat(40)))
    assert.deepEqual([cache.size, cache.bytes], [2, 82], 'one byte of key, forty of value, each')
    await cache.get('c', value('z'.repeat(40)))
    assert.deepEqual([cache.size, cache.bytes], [2, 82], '"a" went out to make room')
    assert.equal(await cache.get('b', value('again')), 'y'.repeat(40), '"b" stayed')
    assert.equal(await cache.get('d', value('w'.repeat(200))), 'w'.repeat(200), 'served to its caller…')
    assert.deepEqual([cache.size, cache.bytes], [0, 0], '…but not kept, and nothing it pushed out is counted')
    assert.equal(await cache.get('d', value('fresh')), 'fresh')
    cache.clear()
    assert.deepEqual([cache.size, cache.bytes], [0, 0])
  })
})

function source(session: FakeSession, clock: ManualClock, renewalIntervalMs = 20 * MINUTE) {
  return new SessionWorkloadSource({
    session, selector: {name: 'foo'}, credentialTtlMs: 60 * MINUTE, renewalIntervalMs,
    bundlePollIntervalMs: 60 * MINUTE, clock, random: () => 0.5, log: discardLogger,
  })
}

describe('SessionWorkloadSource caching', () => {
  it('JWT-SVIDs: one signing per caller and audience list until rotation', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(await makeTrustDomainCa(), undefined, () => clock.now())
    const s = source(session, clock)
    await s.start()
    const [a1, a2] = await Promise.all([s.jwtSvids(ALICE, ['a']), s.jwtSvids(ALICE, ['a'])])
    assert.equal(a1[0]!.token, a2[0]!.token)
    assert.equal(session.jwtRequests.length, 1)
    await s.jwtSvids(ALICE, ['a', 'b'])
    await s.jwtSvids(BOB, ['a'])
    assert.equal(session.jwtRequests.length, 3, 'other audiences, other caller: signed anew')
    assert.deepEqual(session.jwtRequests.map((r) => [r.audiences, r.workloadAttrs?.unix?.uid]), [[['a'], 1000], [['a', 'b'], 1000], [['a'], 1001]])
    await clock.whenSleeping(2)
    await clock.advance(20 * MINUTE)
    await s.jwtSvids(ALICE, ['a'])
    assert.equal(session.jwtRequests.length, 4, 'rotation drops cached JWT-SVIDs')
    await s.stop()
  })

  it('JWT-SVIDs for callers choosing new audiences stay within cacheMaxBytes', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(await makeTrustDomainCa(), undefined, () => clock.now())
    const s = new SessionWorkloadSource({
      session, selector: {name: 'foo'}, credentialTtlMs: 60 * MINUTE, renewalIntervalMs: 20 * MINUTE,
      bundlePollIntervalMs: 60 * MINUTE, clock, random: () => 0.5, log: discardLogger, cacheMaxBytes: 64 * 1024,
    })
    await s.start()
    const audience = (i: number) => [`${i}:${'a'.repeat(1000)}`]
    for (let i = 0; i < 100; i++) await s.jwtSvids(ALICE, audience(i))
    assert.equal(session.jwtRequests.length, 100)
    await s.jwtSvids(ALICE, audience(99))
    assert.equal(session.jwtRequests.length, 100, 'the latest is still cached')
    await s.jwtSvids(ALICE, audience(0))
    assert.equal(session.jwtRequests.length, 101, 'the oldest was dropped to stay within 64 KiB')
    await s.stop()
  })

  it('refreshes open streams at half the granted TTL when the cluster capped it below renewal_interval', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(await makeTrustDomainCa(), undefined, () => clock.now())
    session.overrides.x509 = async (r) => [await session.x509Credential(r.publicKeyDer, session.spiffeId, 'foo', 8 * MINUTE)]
    const s = source(session, clock)
    await s.start()
    let notified = 0
    s.subscribe(() => notified++)
    const first = await s.x509Svids(ALICE)
    await clock.advance(4 * MINUTE - 1)
    assert.equal(notified, 0)
    assert.equal(await s.x509Svids(ALICE), first)
    await clock.advance(1)
    assert.equal(notified, 1, 'told at half the 8 minute TTL, long before the 20 minute rotation')
    const second = await s.x509Svids(ALICE)
    assert.notEqual(second, first)
    assert.equal(session.x509Requests.length, 2)
    await clock.advance(4 * MINUTE)
    assert.equal(notified, 2, 'and again for the next one')
    await s.stop()
  })

  it('rotateNow() rotates at once', async () => {
    const clock = new ManualClock()
    const session = new FakeSession(await makeTrustDomainCa(), undefined, () => clock.now())
    const s = source(session, clock)
    await s.start()
    const first = await s.x509Svids(ALICE)
    let notified = 0
    s.subscribe(() => notified++)
    await clock.whenSleeping(3)
    s.rotateNow('test')
    await clock.advance(0)
    for (let i = 0; i < 5 && notified === 0; i++) await new Promise((r) => setImmediate(r))
    assert.equal(notified, 1)
    assert.notEqual(await s.x509Svids(ALICE), first)
    await s.stop()
  })
})
