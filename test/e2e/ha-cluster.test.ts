/**
 * Three `teleport start` replicas on one PostgreSQL behind a real HAProxy (TCP mode): a write on
 * one replica is seen by another's policy cache through the change feed; a single-use token is
 * spent once across replicas; acknowledged creates survive a replica killed with -9 while a tbot
 * keeps renewing through the balancer; the replicas survive a PostgreSQL restart.
 */
import assert from 'node:assert/strict'
import {statSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {X509Certificate} from 'node:crypto'
import {after, before, describe, it} from 'node:test'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {connectTbot} from '../../src/lib/tbot/connect.js'
import {configFromDocument} from '../../src/lib/tbot/config/load.js'
import {discardLogger} from '../../src/lib/log.js'
import {parseResources, parseResourceValue} from '../../src/lib/resources/parse.js'
import type {Resource} from '../../src/lib/resources/types.js'
import {REPO, binPath, cliEnv} from '../helpers/cli.js'
import {HA_CLUSTER, startHaCluster, stopChild, type HaCluster} from './ha-harness.js'
import {spawnNode} from './tbot-cluster.js'

let ha: HaCluster
let lb: RemoteBackend
const remotes: RemoteBackend[] = []
const ISSUER_ROLE = 'example-workload-identity-issuer'

const wi = (name: string): Resource => parseResourceValue({
  kind: 'workload_identity', version: 'v1', metadata: {name, labels: {example: 'getting-started'}}, spec: {spiffe: {id: `/svc/${name}`}},
}, {file: 'test'})

async function remote(url: string): Promise<RemoteBackend> {
  const r = new RemoteBackend({url, identity: await readIdentityFile(ha.identityFile)})
  remotes.push(r)
  return r
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

before(async () => {
  ha = await startHaCluster(3)
  lb = await remote(ha.url)
  const seeds = ['aws-workload-identity.yaml', 'aws-role.yaml'].map((f) => readFileSync(join(REPO, 'test/fixtures/seeds', f), 'utf8')).join('---\n')
  await lb.createResources(parseResources(seeds, 'seeds.yaml'), {force: false})
})
after(async () => {
  await Promise.all(remotes.map((r) => r.close()))
  await ha?.close()
})

describe('three replicas on PostgreSQL behind HAProxy', () => {
  it('a create on replica 1 is issued from by replica 2 within 2 s (the change feed; lag reported)', async (t) => {
    const [r1, r2] = [await remote(ha.replicas[0]!.url), await remote(ha.replicas[1]!.url)]
    const issuer2 = await r2.issuerSession()
    // Warm replica 2's policy cache, so what follows is seen through the feed, not a cold read.
    await issuer2.issueJwtSvids({selector: {name: 'example-workload-identity'}, audiences: ['a'], ttlMs: 60_000})
    const created = performance.now()
    await r1.createResources([wi('lag-probe')], {force: false})
    let lagMs = -1
    while (performance.now() - created < 10_000) {
      try {
        await issuer2.issueJwtSvids({selector: {name: 'lag-probe'}, audiences: ['a'], ttlMs: 60_000})
        lagMs = performance.now() - created
        break
      } catch {
        await sleep(5)
      }
    }
    t.diagnostic(`replica 1 write → replica 2 issues from it: ${lagMs.toFixed(0)} ms`)
    assert.ok(lagMs >= 0 && lagMs < 2_000, `lag ${lagMs} ms`)
  })

  it('one single-use token, 16 concurrent joins over the three replicas: exactly one succeeds', async () => {
    const {token} = await lb.addBot({name: 'once-bot', roles: [ISSUER_ROLE]})
    const connect = connectTbot('/nonexistent')
    const joins = Array.from({length: 16}, async (_, i) => {
      const config = await configFromDocument({
        version: 'v2', auth_server: `127.0.0.1:${ha.replicas[i % 3]!.port}`, storage: {type: 'memory'},
        onboarding: {join_method: 'token', token: token.metadata.name, ca_pins: [ha.caPin]},
      })
      return connect(config, {log: discardLogger, signal: new AbortController().signal})
    })
    const outcomes = await Promise.allSettled(joins)
    const won = outcomes.filter((o) => o.status === 'fulfilled')
    assert.equal(won.length, 1, outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok')).join('\n'))
    for (const o of outcomes) if (o.status === 'rejected') assert.match(String(o.reason), /join token is unknown, already used or expired/)
  })

  it('120 concurrent creates while a replica is killed with -9: every acknowledged create is readable; tbot stays fresh', async (t) => {
    const {token} = await lb.addBot({name: 'renewing-bot', roles: [ISSUER_ROLE]})
    const out = join(ha.dir, 'tbot-out')
    const tbot = spawnNode([binPath('tbot'), 'start', 'workload-identity-x509', '--auth-server', ha.addr, '--ca-pin', ha.caPin,
      '--token', token.metadata.name, '--storage', join(ha.dir, 'tbot-storage'), '--destination', out,
      '--name-selector', 'example-workload-identity', '--certificate-ttl', '1m', '--renewal-interval', '2s'], cliEnv())
    after(() => stopChild(tbot.child))
    const svid = join(out, 'svid.pem')
    while (statSafe(svid) === undefined) {
      assert.equal(tbot.child.exitCode, null, tbot.stderr())
      await sleep(100)
    }
    const acked: string[] = []
    const creates = Array.from({length: 120}, async (_, i) => {
      const name = `burst-${i}`
      await lb.createResources([wi(name)], {force: false})
      acked.push(name)
    })
    while (acked.length < 10) await sleep(5)
    const victim = ha.replicas[1]!
    victim.child.kill('SIGKILL')
    const killedAt = Date.now()
    const outcomes = await Promise.allSettled(creates)
    t.diagnostic(`acknowledged ${acked.length} of 120 creates (${outcomes.filter((o) => o.status === 'rejected').length} failed with the replica's death)`)
    const stored = new Set((await lb.listResources('workload_identity')).map((r) => r.metadata.name))
    for (const name of acked) assert.ok(stored.has(name), `acknowledged ${name} is missing`)
    // tbot renews through the balancer after the kill: a certificate written after it, still valid.
    while (statSafe(svid)! < killedAt + 2_500) {
      assert.equal(tbot.child.exitCode, null, tbot.stderr())
      await sleep(200)
    }
    const cert = new X509Certificate(readFileSync(svid))
    assert.ok(Date.parse(cert.validTo) > Date.now())
    assert.ok(cert.subjectAltName?.includes(`spiffe://${HA_CLUSTER}/`))
    await ha.startReplica(1)
  })

  it('a PostgreSQL restart: the replicas survive, and writes resume within seconds', async (t) => {
    assert.ok(ha.pg.control, 'needs the throwaway PostgreSQL (not $SVIDKIT_TEST_PG_URL)')
    ha.pg.control.restart()
    const restarted = performance.now()
    await lb.createResources([wi('after-restart')], {force: false})
    t.diagnostic(`first write after the restart acknowledged in ${(performance.now() - restarted).toFixed(0)} ms`)
    for (const r of ha.replicas) assert.equal(r.child.exitCode, null, r.stderr)
    // Every replica writes again (each through its own pool).
    for (const [i, r] of ha.replicas.entries()) await (await remote(r.url)).createResources([wi(`after-restart-${i}`)], {force: false})
    assert.equal((await lb.getResource('workload_identity', 'after-restart-2')).metadata.name, 'after-restart-2')
  })
})

function statSafe(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}
