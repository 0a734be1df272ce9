/**
 * Issue 13 end to end: two clusters, each its own `teleport start` with web certificates from a test
 * CA that both servers trust through NODE_EXTRA_CA_CERTS, federated both ways over https_web. A
 * workload in each, with bundles from its own tbot's Workload API, does mutual TLS with the other,
 * each authorizing the other's SPIFFE ID; JWT-SVIDs cross too; an x509 output writes the federated
 * bundle; broken bundle endpoints show in the federation's status.
 */
import assert from 'node:assert/strict'
import {createServer as createHttpServer, type Server} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {LocalBackend} from '../../src/lib/backend/local/backend.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import type {SpiffeFederation} from '../../src/lib/resources/spiffe-federation.js'
import {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'
import {REPO, run} from '../helpers/cli.js'
import {makeRootCa, makeSelfSignedServerCert, makeServerCert, type TestCert} from '../helpers/pki.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'
import {spawnNode, waitFor, type Running} from './tbot-cluster.js'

const SEEDS = join(REPO, 'test/fixtures/seeds')
const WORKLOAD = join(REPO, 'dist/test/e2e/federated-workload.js')
const ID = (td: string) => `spiffe://${td}/svc/example-service`

interface Side {
  readonly td: string
  server: TestServer
  backend: LocalBackend
  tbot: Running
  socket: string
}

function federationYaml(name: string, url: string): string {
  return `kind: spiffe_federation\nversion: v1\nmetadata:\n  name: ${name}\nspec:\n  bundle_source:\n    https_web:\n      bundle_endpoint_url: ${url}\n`
}

async function federation(backend: LocalBackend, name: string): Promise<SpiffeFederation> {
  return backend.getResource('spiffe_federation', name)
}

function tbotConfig(side: Side, token: string, caPath: string, extra = ''): string {
  return `version: v2
auth_server: ${side.server.addr}
onboarding:
  join_method: token
  token: ${token}
  ca_path: ${caPath}
storage:
  type: memory
${extra}`
}

describe('federation between two clusters over https_web', () => {
  const dir = tempDir('svidkit-fed-e2e-')
  const webCaPath = join(dir, 'web-ca.pem')
  const sides: Record<'a' | 'b', Side> = {a: {td: 'a.example'} as Side, b: {td: 'b.example'} as Side}
  const broken: Server[] = []
  let webCa: TestCert

  before(async () => {
    webCa = await makeRootCa('federation test web CA')
    writeFileSync(webCaPath, webCa.certPem)
    for (const side of Object.values(sides)) {
      const cert = await makeServerCert(webCa, {dns: ['localhost'], ips: ['127.0.0.1']})
      side.server = await startTestServer(side.td, {
        env: {NODE_EXTRA_CA_CERTS: webCaPath},
        prepare: (serverDir) => {
          writeFileSync(join(serverDir, 'web.pem'), cert.certPem)
          writeFileSync(join(serverDir, 'web-key.pem'), cert.keyPem)
          return `  https_keypairs:\n    - key_file: ${join(serverDir, 'web-key.pem')}\n      cert_file: ${join(serverDir, 'web.pem')}`
        },
      })
      side.backend = await LocalBackend.open({dataDir: side.server.dataDir, create: false})
      const seeds = ['aws-workload-identity.yaml', 'aws-role.yaml'].map((f) => readFileSync(join(SEEDS, f), 'utf8')).join('---\n')
      await side.backend.createResources(parseResources(seeds, 'seeds.yaml'), {force: false})
    }
    // Each federates with the other over https_web.
    for (const [here, there] of [[sides.a, sides.b], [sides.b, sides.a]] as const) {
      const yaml = federationYaml(there.td, `${there.server.url}/webapi/spiffe/bundle.json`)
      const r = run('tctl', ['create', '-f', '-', '--data-dir', here.server.dataDir], {input: yaml})
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, `SPIFFE Federation "${there.td}" has been created\n`)
    }
    for (const side of Object.values(sides)) {
      const token = (await side.backend.addBot({name: 'fed-bot', roles: ['example-workload-identity-issuer']})).token.metadata.name
      side.socket = join(dir, `${side.td}.sock`)
      const config = join(dir, `${side.td}-tbot.yaml`)
      writeFileSync(config, tbotConfig(side, token, webCaPath,
        `services:\n  - type: workload-identity-api\n    listen: unix://${side.socket}\n    selector:\n      name: example-workload-identity\n`))
      // tbot polls the trust bundle (once a minute by default) and may join before its server has the
      // other domain's bundle: a 250 ms poll keeps the 60 s wait below from racing the first poll.
      side.tbot = spawnNode([join(REPO, 'bin/tbot.js'), 'start', '-c', config], {...process.env, NO_COLOR: '1', SVIDKIT_TBOT_BUNDLE_POLL_INTERVAL: '250ms'})
    }
    for (const side of Object.values(sides)) {
      await waitFor(`${side.td} federated bundle`, async () => (await federation(side.backend, side.td === 'a.example' ? 'b.example' : 'a.example')).status?.current_bundle,
        () => side.server.stderr())
      await waitFor(`${side.td} tbot listening`, () => /Workload API service listening/.test(side.tbot.stderr()) || undefined, () => side.tbot.stderr())
    }
  })

  after(async () => {
    for (const side of Object.values(sides)) {
      side.tbot?.child.kill('SIGKILL')
      await side.server?.stop()
    }
    for (const s of broken) s.close()
  })

  it('hands each workload the other trust domain: mTLS both ways, each authorizing the other\'s SPIFFE ID', async () => {
    // Each tbot polls the trust bundle: wait until both Workload APIs carry the other domain.
    for (const [here, there] of [[sides.a, sides.b], [sides.b, sides.a]] as const) {
      await waitFor(`${here.td} Workload API with ${there.td}`, async () => {
        const client = await WorkloadApiClient.create({address: `unix://${here.socket}`, timeoutMs: 10_000})
        try {
          const bundles = await client.fetchX509Bundles()
          return bundles.has(there.td) || undefined
        } finally {
          client.close()
        }
      }, () => here.tbot.stderr(), 60_000)
    }
    const server = spawnNode([WORKLOAD, 'server', `unix://${sides.b.socket}`, ID('a.example')], process.env)
    try {
      const port = await waitFor('workload server port', () => {
        const m = /"port":(\d+)/.exec(server.stdout())
        return m?.[1]
      }, () => server.stderr())
      const client = await spawnNode([WORKLOAD, 'client', `unix://${sides.a.socket}`, ID('b.example'), port], process.env).done
      assert.equal(client.code, 0, client.stderr + client.stdout)
      assert.deepEqual(JSON.parse(client.stdout), {server: ID('b.example'), said: {hello: ID('b.example')}})
      await waitFor('server saw the client', () => server.stdout().includes(`"peer":"${ID('a.example')}"`) || undefined, () => server.stdout())
    } finally {
      server.child.kill()
    }
  })

  it('validates a JWT-SVID from the federated domain through ValidateJWTSVID', async () => {
    const b = await WorkloadApiClient.create({address: `unix://${sides.b.socket}`, timeoutMs: 10_000})
    const a = await WorkloadApiClient.create({address: `unix://${sides.a.socket}`, timeoutMs: 10_000})
    try {
      const jwt = await b.fetchJwtSvid({audience: 'a-service'})
      const valid = await a.validateJwtSvid(jwt.token, 'a-service')
      assert.equal(valid.spiffeId.toString(), ID('b.example'))
      const jwtBundles = await a.fetchJwtBundles()
      assert.deepEqual([...jwtBundles.keys()].sort(), ['a.example', 'b.example'])
    } finally {
      a.close()
      b.close()
    }
  })

  it('shows both trust domains in spiffe-inspect', () => {
    const r = run('tbot', ['spiffe-inspect', '--path', `unix://${sides.a.socket}`])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /# X509 Trust Bundles\n- a\.example \(#CAs: 1\)\n- b\.example \(#CAs: 1\)/)
    assert.match(r.stdout, /# JWT Bundles\n- a\.example \(#Keys: 1\)[\s\S]*- b\.example \(#Keys: 1\)/)
  })

  it('writes the federated CAs into svid_bundle.pem when include_federated_trust_bundles is set', async () => {
    const token = (await sides.a.backend.addBot({name: 'files-bot', roles: ['example-workload-identity-issuer']})).token.metadata.name
    const out = join(dir, 'a-files')
    const config = join(dir, 'a-files.yaml')
    writeFileSync(config, tbotConfig(sides.a, token, webCaPath,
      `oneshot: true\nservices:\n  - type: workload-identity-x509\n    destination:\n      type: directory\n      path: ${out}\n    selector:\n      name: example-workload-identity\n    include_federated_trust_bundles: true\n`))
    const r = await spawnNode([join(REPO, 'bin/tbot.js'), 'start', '-c', config], {...process.env, NO_COLOR: '1'}).done
    assert.equal(r.code, 0, r.stderr)
    const pem = readFileSync(join(out, 'svid_bundle.pem'), 'utf8')
    const a = await federation(sides.b.backend, 'a.example')
    const b = await federation(sides.a.backend, 'b.example')
    assert.equal((pem.match(/BEGIN CERTIFICATE/g) ?? []).length, 2)
    assert.ok(a.status?.current_bundle !== undefined && b.status?.current_bundle !== undefined)
  })

  it('shows broken bundle endpoints in the federation status, keeping nothing bad', async () => {
    const good = await makeServerCert(webCa)
    const self = await makeSelfSignedServerCert()
    const serve = async (server: Server, body: (res: import('node:http').ServerResponse) => void) => {
      server.on('request', (_req, res) => body(res))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      broken.push(server)
      return `https://127.0.0.1:${(server.address() as {port: number}).port}/bundle.json`
    }
    const bBundle = (await federation(sides.a.backend, 'b.example')).status!.current_bundle!
    const cases: Array<[string, string, RegExp]> = [
      ['plain.example', await serve(createHttpServer(), (res) => res.end(bBundle)), /failed to fetch bundle from https:/],
      ['untrusted.example', await serve(createHttpsServer({cert: self.certPem, key: self.keyPem}), (res) => res.end(bBundle)),
        /failed to fetch bundle from https:.*(self.signed|certificate)/i],
      ['big.example', await serve(createHttpsServer({cert: good.certPem, key: good.keyPem}), (res) => res.end(Buffer.alloc(10 * 1024 * 1024, 0x20))),
        /larger than 1048576 bytes/],
      ['malformed.example', await serve(createHttpsServer({cert: good.certPem, key: good.keyPem}), (res) => res.end('{"keys": [{"use": "x509-svid"}]}')),
        /failed to decode bundle: spiffebundle: unable to parse JWKS/],
      ['wrongtd.example', `${sides.b.server.url}/webapi/spiffe/bundle.json`, /bundle is for trust domain "b\.example", not "wrongtd\.example"/],
    ]
    const yaml = cases.map(([name, url]) => federationYaml(name, url)).join('---\n')
    const r = run('tctl', ['create', '-f', '-', '--data-dir', sides.a.server.dataDir], {input: yaml})
    assert.equal(r.code, 0, r.stderr)
    for (const [name, , expected] of cases) {
      const status = await waitFor(`${name} status`, async () => (await federation(sides.a.backend, name)).status?.last_sync_error !== undefined
        ? (await federation(sides.a.backend, name)).status : undefined, () => sides.a.server.stderr())
      assert.match(status?.last_sync_error ?? '', expected, name)
      assert.equal(status?.current_bundle, undefined, `${name}: nothing trusted`)
    }
    const get = run('tctl', ['get', 'spiffe_federation/wrongtd.example', '--data-dir', sides.a.server.dataDir])
    assert.match(get.stdout, /last_sync_error: bundle is for trust domain "b\.example", not "wrongtd\.example"/)
    // The Workload API still hands out only the good federated domain.
    const client = await WorkloadApiClient.create({address: `unix://${sides.a.socket}`, timeoutMs: 10_000})
    try {
      assert.deepEqual([...(await client.fetchX509Bundles()).keys()].sort(), ['a.example', 'b.example'])
    } finally {
      client.close()
    }
  })
})
