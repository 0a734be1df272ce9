/**
 * A whole CA rotation against the real server with short phases: two workloads on tbot's file
 * outputs and two on the Workload API do mTLS every 200 ms and no round fails, through init →
 * update_clients → update_servers → standby and through init → update_clients → rollback → standby.
 * Meanwhile the bundles hold both CAs, a JWT-SVID issued before init verifies with PyJWT against
 * the published JWKS, and after standby one CA is left.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'
import {REPO, cliEnv, start} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {everyRound, fetchFromApi, mtlsRound, readOutput} from './rotation-mtls.js'

const TD = 'example.teleport.sh'
const PHASE_MS = 3000
const PYTHON = '/usr/bin/python3'
const PYJWT = `
import json, sys, jwt
req = json.load(sys.stdin)
jwks = jwt.PyJWKSet.from_dict(req["jwks"])
kid = jwt.get_unverified_header(req["token"])["kid"]
key = next(k for k in jwks.keys if k.key_id == kid)
claims = jwt.decode(req["token"], key.key, algorithms=["RS256", "ES256"], audience="rotation-test", issuer=req["issuer"])
print(json.dumps(claims))
`
const hasPyjwt = spawnSync(PYTHON, ['-c', 'import jwt, cryptography']).status === 0

let server: TestServer
let admin: RemoteBackend
const bots: Array<ReturnType<typeof start>> = []
const clients: WorkloadApiClient[] = []

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const certCount = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

async function publicJson(path: string): Promise<{keys: unknown[]}> {
  const {HttpsJsonClient} = await import('../../src/lib/net/https-client.js')
  const client = await HttpsJsonClient.create({url: server.url, trust: {kind: 'pin', pins: [server.caPin]}})
  try {
    return (await client.get(path)) as {keys: unknown[]}
  } finally {
    await client.close()
  }
}

function startBot(name: string, token: string, ...service: string[]): ReturnType<typeof start> {
  const bot = start('tbot', ['start', ...service, '--auth-server', server.addr, '--ca-pin', server.caPin, '--token', token,
    '--storage', join(server.dir, name, 'bot'), '--name-selector', 'example-workload-identity'], {
    env: cliEnv({SVIDKIT_TBOT_BUNDLE_POLL_INTERVAL: '250ms'}),
  })
  bots.push(bot)
  return bot
}

async function rotate(phase: string): Promise<void> {
  await admin.rotateCertAuthority({type: 'spiffe', targetPhase: phase, mode: 'manual'})
}

before(async () => {
  server = await startTestServer(TD)
  admin = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  const seeds = ['aws-workload-identity.yaml', 'aws-role.yaml'].map((f) => readFileSync(join(REPO, 'test/fixtures/seeds', f), 'utf8')).join('---\n')
  await admin.createResources(parseResources(seeds, 'seeds.yaml'), {force: false})
  const token = async (name: string) => (await admin.addBot({name, roles: ['example-workload-identity-issuer']})).token.metadata.name
  for (const name of ['a', 'b']) startBot(name, await token(`files-${name}`), 'workload-identity-x509', '--destination', join(server.dir, name, 'out'))
  startBot('api', await token('api'), 'workload-identity-api', '--listen', `unix://${join(server.dir, 'api.sock')}`)
  await waitFor('the outputs and the socket', () => ['a', 'b'].every((n) => existsSync(join(server.dir, n, 'out', 'svid_bundle.pem'))) && existsSync(join(server.dir, 'api.sock')))
  for (let i = 0; i < 2; i++) clients.push(await WorkloadApiClient.create({address: `unix://${join(server.dir, 'api.sock')}`, timeoutMs: 10_000, channelOptions: {'grpc.use_local_subchannel_pool': 1}}))
})

after(async () => {
  for (const c of clients) c.close()
  for (const b of bots) b.child.kill('SIGTERM')
  await Promise.all(bots.map((b) => b.done))
  await admin?.close()
  await server?.stop()
})

describe('a manual SPIFFE CA rotation with short phases', () => {
  it('init → update_clients → update_servers → standby: no failed mTLS round; both CAs trusted meanwhile; a pre-init JWT-SVID verifies', async () => {
    const bundleBefore = readFileSync(join(server.dir, 'a', 'out', 'svid_bundle.pem'), 'utf8')
    assert.equal(certCount(bundleBefore), 1)
    const issuer = await admin.issuerSession()
    const [jwtSvid] = await issuer.issueJwtSvids({selector: {name: 'example-workload-identity'}, audiences: ['rotation-test'], ttlMs: 600_000})
    await issuer.close()
    let phase = 'standby'
    const label = () => phase
    const files = everyRound(async () => mtlsRound(await readOutput(join(server.dir, 'a', 'out')), await readOutput(join(server.dir, 'b', 'out'))), label)
    const api = everyRound(async () => mtlsRound(await fetchFromApi(clients[0]!, TD), await fetchFromApi(clients[1]!, TD)), label)
    const observed: Record<string, {bundle: number; jwks: number; x509: number}> = {}
    const observe = async (p: string) => {
      const jwks = await publicJson('/workload-identity/jwt-jwks.json')
      const spiffe = await publicJson('/webapi/spiffe/bundle.json')
      observed[p] = {
        bundle: certCount(readFileSync(join(server.dir, 'a', 'out', 'svid_bundle.pem'), 'utf8')),
        jwks: jwks.keys.length, x509: spiffe.keys.filter((k) => (k as {use?: string}).use === 'x509-svid').length,
      }
      if (hasPyjwt && p !== 'standby') {
        const r = spawnSync(PYTHON, ['-c', PYJWT], {input: JSON.stringify({jwks, token: jwtSvid!.jwt, issuer: `https://127.0.0.1:${server.port}/workload-identity`}), encoding: 'utf8'})
        assert.equal(r.status, 0, `PyJWT in ${p}: ${r.stderr}`)
        assert.equal((JSON.parse(r.stdout) as {sub: string}).sub, jwtSvid!.spiffeId)
      }
    }
    try {
      await sleep(1000)
      for (const p of ['init', 'update_clients', 'update_servers', 'standby']) {
        await rotate(p)
        phase = p
        await sleep(PHASE_MS)
        await observe(p)
      }
      await sleep(1000)
    } finally {
      await files.stop()
      await api.stop()
    }
    assert.deepEqual(files.failures, [])
    assert.deepEqual(api.failures, [])
    assert.ok(files.rounds() > 40 && api.rounds() > 40, `${files.rounds()} and ${api.rounds()} rounds`)
    assert.deepEqual(observed, {
      init: {bundle: 2, jwks: 2, x509: 2}, update_clients: {bundle: 2, jwks: 2, x509: 2},
      update_servers: {bundle: 2, jwks: 2, x509: 2}, standby: {bundle: 1, jwks: 1, x509: 1},
    })
    const bundleAfter = readFileSync(join(server.dir, 'a', 'out', 'svid_bundle.pem'), 'utf8')
    assert.notEqual(bundleAfter, bundleBefore, 'a new CA')
    const status = await admin.caRotationStatus()
    assert.equal(status.find((s) => s.type === 'spiffe')?.rotation.state, 'standby')
    assert.ok(status.find((s) => s.type === 'spiffe')?.rotation.lastRotated)
  })

  it('init → update_clients → rollback → standby: no failed mTLS round, and the CA from before is the one left', async () => {
    const bundleBefore = readFileSync(join(server.dir, 'a', 'out', 'svid_bundle.pem'), 'utf8')
    let phase = 'standby'
    const label = () => phase
    const files = everyRound(async () => mtlsRound(await readOutput(join(server.dir, 'a', 'out')), await readOutput(join(server.dir, 'b', 'out'))), label)
    const api = everyRound(async () => mtlsRound(await fetchFromApi(clients[0]!, TD), await fetchFromApi(clients[1]!, TD)), label)
    try {
      await sleep(1000)
      for (const p of ['init', 'update_clients', 'rollback', 'standby']) {
        await rotate(p)
        phase = p
        await sleep(PHASE_MS)
      }
      await sleep(1000)
    } finally {
      await files.stop()
      await api.stop()
    }
    assert.deepEqual(files.failures, [])
    assert.deepEqual(api.failures, [])
    assert.equal(readFileSync(join(server.dir, 'a', 'out', 'svid_bundle.pem'), 'utf8'), bundleBefore)
  })
})
