import assert from 'node:assert/strict'
import {createServer, connect, type Server, type Socket} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {ConnectionRegistry} from '../../../src/lib/workloadapi/connections.js'
import {tempDir} from '../../helpers/tmp.js'

const UNATTESTED = async () => ({})
/** Made at the top level: tempDir's cleanup then runs when the file ends, not when a hook does. */
const DIR = tempDir('connections-')

describe('ConnectionRegistry', () => {
  let server: Server
  let path: string
  const accepted: Socket[] = []
  const waiting: Array<(s: Socket) => void> = []

  before(async () => {
    path = join(DIR, 's.sock')
    server = createServer((s) => {
      const w = waiting.shift()
      if (w) w(s)
      else accepted.push(s)
    })
    await new Promise<void>((resolve) => server.listen(path, resolve))
  })
  after(() => server.close())

  /** A connected pair: the server's end, which the registry tracks, and the client's. */
  function pair(): Promise<{server: Socket; client: Socket}> {
    const client = connect(path)
    return new Promise((resolve) => waiting.push((s) => resolve({server: s, client})))
  }
  const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())))

  it('caps connections per caller and counts them down as they close', async () => {
    const registry = new ConnectionRegistry({maxPerCaller: 2, destroyIdleAfterMs: 60_000})
    const [a1, a2, a3, b1] = await Promise.all([pair(), pair(), pair(), pair()])
    assert.ok(registry.add(a1.server, 'uid 1', UNATTESTED))
    assert.ok(registry.add(a2.server, 'uid 1', UNATTESTED))
    assert.equal(registry.add(a3.server, 'uid 1', UNATTESTED), undefined)
    await closed(a3.client.resume())
    assert.ok(registry.add(b1.server, 'uid 2', UNATTESTED), 'another caller has its own count')
    assert.equal(registry.size, 3)
    a1.client.end()
    await closed(a1.server)
    assert.equal(registry.size, 2)
    const again = await pair()
    assert.ok(registry.add(again.server, 'uid 1', UNATTESTED), 'room again for uid 1')
    const empty = registry.whenEmpty(10_000)
    registry.destroyAll()
    await empty
    assert.equal(registry.size, 0)
    for (const p of [a2, b1, again]) p.client.destroy()
  })

  it('destroys a connection idle for destroyIdleAfterMs, never one with a call in progress', async () => {
    const registry = new ConnectionRegistry({maxPerCaller: 10, destroyIdleAfterMs: 50})
    const [idle, busy] = await Promise.all([pair(), pair()])
    const busyConnection = registry.add(busy.server, 'uid 1', UNATTESTED)!
    const end = registry.callStarted(busyConnection.id)
    registry.add(idle.server, 'uid 1', UNATTESTED)
    await closed(idle.server)
    await new Promise((r) => setTimeout(r, 150))
    assert.equal(busy.server.destroyed, false, 'three idle periods with a call in progress')
    end()
    end() // ending twice counts once
    await closed(busy.server)
    assert.equal(registry.size, 0)
    idle.client.destroy()
    busy.client.destroy()
  })
})
