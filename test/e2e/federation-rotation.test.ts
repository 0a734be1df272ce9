/**
 * Issues 13 and 14 end to end: two federated clusters, each its own `teleport start`, federated both
 * ways over https_web (as in federation.test.ts). Cluster B's SPIFFE CA rotates by hand (init →
 * update_clients → update_servers → standby); cluster A's syncer fetches B's bundle again on its
 * next sync and A's tbot hands it to A's workloads, so the new CA appears in A's Workload API and
 * mutual TLS across the domains keeps working. Then the Node library: an X509Source and a
 * WorkloadBundleSource on A's tbot, mtlsClientConfig authorizing B's trust domain, reach an https
 * server in B (mtlsServerConfig authorizing A's trust domain); authorizing a third domain refuses B.
 *
 * The servers sync every second (SVIDKIT_FEDERATION_SYNC_INTERVAL_MS, test only, src/lib/federation/
 * server.ts) instead of after the bundle's 300 s refresh hint, and the tbots poll the trust bundle every
 * 250 ms (SVIDKIT_TBOT_BUNDLE_POLL_INTERVAL): the waits below are bounded and generous, not timed.
 */
import assert from 'node:assert/strict'
import {once} from 'node:events'
import {readFileSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {X509Certificate} from 'node:crypto'
import {LocalBackend} from '../../src/lib/backend/local/backend.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import {authorizeMemberOf, mtlsClientConfig, mtlsServerConfig} from '../../src/lib/tlsconfig/index.js'
import {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'
import {WorkloadBundleSource, X509Source} from '../../src/lib/workloadapi/sources/index.js'
import {REPO, run} from '../helpers/cli.js'
import {makeRootCa, makeServerCert} from '../helpers/pki.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'
import {spawnNode, waitFor, type Running} from './tbot-cluster.js'

const SEEDS = join(REPO, 'test/fixtures/seeds')
const WORKLOAD = join(REPO, 'dist/test/e2e/federated-workload.js')
const ID = (td: string) => `spiffe://${td}/svc/example-service`
/** Far more than one sync (1 s) plus one bundle poll (250 ms): a bound, not a timing. */
const PROPAGATION_MS = 30_000

interface Side {
  readonly td: string
  server: TestServer
  backend: LocalBackend
  tbot: Running
  socket: string
}

/** The DER of each CA of `td` that `side`'s Workload API hands out, hex. */
async function bundleFrom(side: Side, td: string): Promise<string[]> {
  const client = await WorkloadApiClient.create({address: `unix://${side.socket}`, timeoutMs: 10_000})
  try {
    const bundle = (await client.fetchX509Bundles()).get(td)
    return (bundle?.authorities ?? []).map((c: X509Certificate) => c.raw.toString('hex')).sort()
  } finally {
    client.close()
  }
}

/** The CA (as in bundleFrom) that signed `side`'s current X509-SVID. */
async function svidIssuer(side: Side): Promise<string | undefined> {
  const client = await WorkloadApiClient.create({address: `unix://${side.socket}`, timeoutMs: 10_000})
  try {
    const context = await client.fetchX509Context()
    const leaf = context.svids[0]!.certificates[0]!
    const cas = context.bundles.get(side.td)?.authorities ?? []
    return cas.find((ca: X509Certificate) => leaf.verify(ca.publicKey))?.raw.toString('hex')
  } finally {
    client.close()
  }
}

/** federated-workload.js: a server in B authorizing A's workload, a client in A authorizing B's. */
async function crossDomainMtls(a: Side, b: Side): Promise<void> {
  const server = spawnNode([WORKLOAD, 'server', `unix://${b.socket}`, ID(a.td)], process.env)
  try {
    const port = await waitFor('workload server port', () => /"port":(\d+)/.exec(server.stdout())?.[1], () => server.stderr())
    const client = await spawnNode([WORKLOAD, 'client', `unix://${a.socket}`, ID(b.td), port], process.env).done
    assert.equal(client.code, 0, client.stderr + client.stdout)
    assert.deepEqual(JSON.parse(client.stdout), {server: ID(b.td), said: {hello: ID(b.td)}})
  } finally {
    server.child.kill()
  }
}

function get(port: number, config: object): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get({...config, host: '127.0.0.1', port, path: '/'}, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body))
    }).on('error', reject)
  })
}

describe('a foreign SPIFFE CA rotation across a federation, and the Node library across it', () => {
  const dir = tempDir('svidkit-fedrot-e2e-')
  const webCaPath = join(dir, 'web-ca.pem')
  const sides: Record<'a' | 'b', Side> = {a: {td: 'a.example'} as Side, b: {td: 'b.example'} as Side}

  before(async () => {
    const webCa = await makeRootCa('federation rotation test web CA')
    writeFileSync(webCaPath, webCa.certPem)
    for (const side of Object.values(sides)) {
      const cert = await makeServerCert(webCa, {dns: ['localhost'], ips: ['127.0.0.1']})
      side.server = await startTestServer(side.td, {
        env: {NODE_EXTRA_CA_CERTS: webCaPath, SVIDKIT_FEDERATION_SYNC_INTERVAL_MS: '1000'},
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
    for (const [here, there] of [[sides.a, sides.b], [sides.b, sides.a]] as const) {
      const url = `${there.server.url}/webapi/spiffe/bundle.json`
      const yaml = `kind: spiffe_federation\nversion: v1\nmetadata:\n  name: ${there.td}\nspec:\n  bundle_source:\n    https_web:\n      bundle_endpoint_url: ${url}\n`
      const r = run('tctl', ['create', '-f', '-', '--data-dir', here.server.dataDir], {input: yaml})
      assert.equal(r.code, 0, r.stderr)
    }
    for (const side of Object.values(sides)) {
      const token = (await side.backend.addBot({name: 'fed-bot', roles: ['example-workload-identity-issuer']})).token.metadata.name
      side.socket = join(dir, `${side.td}.sock`)
      const config = join(dir, `${side.td}-tbot.yaml`)
      writeFileSync(config, `version: v2\nauth_server: ${side.server.addr}\nonboarding:\n  join_method: token\n  token: ${token}\n  ca_path: ${webCaPath}\n` +
        `storage:\n  type: memory\nservices:\n  - type: workload-identity-api\n    listen: unix://${side.socket}\n    selector:\n      name: example-workload-identity\n`)
      side.tbot = spawnNode([join(REPO, 'bin/tbot.js'), 'start', '-c', config], {...process.env, NO_COLOR: '1', SVIDKIT_TBOT_BUNDLE_POLL_INTERVAL: '250ms'})
    }
    for (const [here, there] of [[sides.a, sides.b], [sides.b, sides.a]] as const) {
      await waitFor(`${here.td} tbot listening`, () => /Workload API service listening/.test(here.tbot.stderr()) || undefined, () => here.tbot.stderr())
      await waitFor(`${here.td} Workload API with ${there.td}`, async () => (await bundleFrom(here, there.td).catch(() => [])).length === 1 || undefined,
        () => here.server.stderr() + here.tbot.stderr(), 60_000)
    }
  })

  after(async () => {
    for (const side of Object.values(sides)) {
      side.tbot?.child.kill('SIGKILL')
      await side.server?.stop()
    }
  })

  // On B's data directory, beside its running server (as an operator on the auth host would).
  const rotateB = (phase: string) => {
    const r = run('tctl', ['auth', 'rotate', '--type', 'spiffe', '--manual', '--phase', phase, '--data-dir', sides.b.server.dataDir])
    assert.equal(r.code, 0, r.stderr)
  }
  const context = () => sides.a.server.stderr() + sides.a.tbot.stderr()

  it('carries B\'s new CA to A\'s Workload API through each phase, mTLS across the domains working throughout', async () => {
    const [oldCa] = await bundleFrom(sides.a, 'b.example')
    assert.deepEqual(await bundleFrom(sides.b, 'b.example'), [oldCa], 'A sees B\'s one CA before the rotation')
    await crossDomainMtls(sides.a, sides.b)

    rotateB('init')
    const both = await waitFor('B\'s new CA in A\'s Workload API', async () => {
      const cas = await bundleFrom(sides.a, 'b.example')
      return cas.length === 2 ? cas : undefined
    }, context, PROPAGATION_MS)
    const newCa = both.find((ca) => ca !== oldCa)!
    assert.ok(both.includes(oldCa!) && newCa !== undefined)
    assert.deepEqual(await bundleFrom(sides.b, 'b.example'), both, 'A trusts exactly what B itself trusts')
    await crossDomainMtls(sides.a, sides.b)

    // From update_clients B signs with the new CA: A, which already trusts it, still accepts B's workload.
    rotateB('update_clients')
    await waitFor('B\'s workload on an SVID from the new CA', async () => (await svidIssuer(sides.b)) === newCa || undefined, () => sides.b.tbot.stderr(), PROPAGATION_MS)
    await crossDomainMtls(sides.a, sides.b)

    // After standby B's old CA is gone, from B's bundle endpoint and then from A's Workload API.
    rotateB('update_servers')
    rotateB('standby')
    await waitFor('B\'s old CA gone from A\'s Workload API', async () => {
      const cas = await bundleFrom(sides.a, 'b.example')
      return cas.length === 1 && cas[0] === newCa || undefined
    }, context, PROPAGATION_MS)
    await crossDomainMtls(sides.a, sides.b)
  })

  it('Node library: A\'s client (X509Source + WorkloadBundleSource, authorizeMemberOf B) reaches B\'s https server (authorizeMemberOf A); authorizing another domain refuses it', async () => {
    const serverSource = await X509Source.create({address: `unix://${sides.b.socket}`, initialTimeoutMs: 20_000})
    const clientSvids = await X509Source.create({address: `unix://${sides.a.socket}`, initialTimeoutMs: 20_000})
    const clientBundles = await WorkloadBundleSource.create({address: `unix://${sides.a.socket}`, initialTimeoutMs: 20_000})
    const config = mtlsServerConfig(serverSource, serverSource, authorizeMemberOf('a.example'))
    const server = config.attach(https.createServer(config, (req, res) => {
      res.end((req.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.subjectAltName ?? '')
    }))
    try {
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      const {port} = server.address() as AddressInfo
      assert.equal(await get(port, mtlsClientConfig(clientSvids, clientBundles, authorizeMemberOf('b.example'))), `URI:${ID('a.example')}`)
      await assert.rejects(get(port, mtlsClientConfig(clientSvids, clientBundles, authorizeMemberOf('c.example'))),
        /unexpected trust domain "b\.example"/)
    } finally {
      server.close()
      serverSource.close()
      clientSvids.close()
      clientBundles.close()
    }
  })
})
