import assert from 'node:assert/strict'
import {before, describe, it} from 'node:test'
import type {X509BundlesResponse, X509SvidResponse} from '../../../src/lib/workloadapi/proto.js'
import type {WorkloadCaller} from '../../../src/lib/workloadapi/source.js'
import {StreamHub, type StreamSink} from '../../../src/lib/workloadapi/streams.js'
import {TestSource} from '../../helpers/workload-source.js'

const ROOT: WorkloadCaller = {workload: {unix: {attested: true, pid: 1, uid: 0, gid: 0}}}

class Recorder implements StreamSink {
  readonly messages: object[] = []
  readonly errors: unknown[] = []
  private waiters: Array<() => void> = []
  write(message: object): void {
    this.messages.push(message)
    this.wake()
  }
  fail(err: unknown): void {
    this.errors.push(err)
    this.wake()
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
  /** Resolves once `count` messages (or any error) arrived. */
  async until(count: number): Promise<void> {
    while (this.messages.length < count && this.errors.length === 0) await new Promise<void>((r) => this.waiters.push(r))
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

describe('StreamHub', () => {
  let source: TestSource
  before(async () => {
    source = await TestSource.create('spiffe://example.org/svc/s', (c) => c.workload?.unix?.uid === 0)
  })

  it('sends the full state at once, then again on each change, and nothing for a change that changed nothing', async () => {
    const hub = new StreamHub(source)
    hub.start()
    const svids = new Recorder()
    const bundles = new Recorder()
    hub.open('x509-svid', ROOT, svids)
    hub.open('x509-bundles', ROOT, bundles)
    await svids.until(1)
    await bundles.until(1)
    hub.notify()
    await settle()
    assert.equal(svids.messages.length, 1, 'unchanged state is not resent')
    assert.equal(bundles.messages.length, 1)
    await source.rotate(true)
    await svids.until(2)
    await bundles.until(2)
    const [before, after] = svids.messages as X509SvidResponse[]
    assert.notDeepEqual(Buffer.from(before?.svids[0]?.x509_svid ?? []), Buffer.from(after?.svids[0]?.x509_svid ?? []))
    assert.deepEqual(Buffer.from(after?.svids[0]?.bundle ?? []), Buffer.from(source.ca.der))
    const latest = bundles.messages[1] as X509BundlesResponse
    assert.deepEqual(Buffer.from(latest.bundles['spiffe://example.org'] ?? []), Buffer.from(source.ca.der))
    hub.stop()
    assert.equal(source.listenerCount, 0)
  })

  it('asks the source once per caller per notification, and coalesces a burst', async () => {
    const hub = new StreamHub(source)
    const a = new Recorder()
    const b = new Recorder()
    hub.open('x509-svid', ROOT, a)
    hub.open('x509-svid', ROOT, b)
    await a.until(1)
    await b.until(1)
    source.calls.length = 0
    hub.notify()
    await settle()
    assert.equal(source.calls.length, 1)
    source.calls.length = 0
    for (let i = 0; i < 10; i++) hub.notify()
    await settle()
    assert.ok(source.calls.length <= 2, `${source.calls.length} source calls for a burst of 10`)
  })

  it('ends a stream whose caller is no longer entitled (PermissionDenied mid-stream), and stops pushing to it', async () => {
    let allowed = true
    const flaky = await TestSource.create('spiffe://example.org/svc/f', () => allowed)
    const hub = new StreamHub(flaky)
    hub.start()
    const rec = new Recorder()
    hub.open('x509-svid', ROOT, rec)
    await rec.until(1)
    allowed = false
    await flaky.rotate()
    await rec.until(2)
    assert.equal((rec.errors[0] as Error).message, 'workload did not pass attestation for any SVIDs')
    assert.equal(hub.size, 0)
    allowed = true
    await flaky.rotate()
    await settle()
    assert.equal(rec.messages.length, 1)
    hub.stop()
  })

  it('forgets a closed stream', async () => {
    const hub = new StreamHub(source)
    const rec = new Recorder()
    const close = hub.open('jwt-bundles', ROOT, rec)
    await rec.until(1)
    close()
    assert.equal(hub.size, 0)
    await source.rotate(true)
    hub.notify()
    await settle()
    assert.equal(rec.messages.length, 1)
  })
})
