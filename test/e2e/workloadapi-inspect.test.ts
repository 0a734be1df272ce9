/**
 * `tbot spiffe-inspect` as users run it: the built binary (bin/tbot.js, after `npm run build`)
 * against a real Workload API server on a Unix socket, against a server that sends no SVIDs, and
 * against one that denies the caller.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {formatGoTime} from '../../src/lib/workloadapi/inspect.js'
import {loadWorkloadApi} from '../../src/lib/workloadapi/proto.js'
import {startWorkloadApiServer, type RunningWorkloadApiServer} from '../../src/lib/workloadapi/server.js'
import {TestSource} from '../helpers/workload-source.js'

const here = fileURLToPath(import.meta.url)
const root = join(here, '..', '..', here.endsWith('.ts') ? '..' : '../..')
const TBOT = join(root, 'bin', 'tbot.js')
const ID = 'spiffe://example.org/svc/inspect'

interface Run {
  code: number
  stdout: string
  stderr: string
}

function tbot(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const base = {...process.env}
  delete base.NODE_EXTRA_CA_CERTS
  delete base.SPIFFE_ENDPOINT_SOCKET
  return new Promise((resolve) => {
    execFile(process.execPath, [TBOT, ...args], {cwd: root, env: {...base, ...env}, timeout: 30_000}, (err, stdout, stderr) => {
      resolve({code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr})
    })
  })
}

const GO_DURATION = String.raw`-?[0-9hms.µ]+`
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('tbot spiffe-inspect (built binary)', () => {
  let dir: string
  let source: TestSource
  let server: RunningWorkloadApiServer
  before(async () => {
    assert.ok(existsSync(join(root, 'dist/src/tbot/commands/spiffe-inspect.js')), 'run `npm run build` first')
    dir = mkdtempSync(join(tmpdir(), 'wapi-inspect-'))
    source = await TestSource.create(ID, (c) => c.workload?.unix?.uid === 0,
      {hint: 'inspect-hint', dns: ['inspect.example.org'], ips: ['10.9.8.7']})
    server = await startWorkloadApiServer({listen: `unix://${dir}/workload.sock`, source})
  })
  after(async () => {
    await server.close(200)
    rmSync(dir, {recursive: true, force: true})
  })

  it('prints the four sections for a working endpoint', async () => {
    const run = await tbot(['spiffe-inspect', '--path', server.address])
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.split('\n')
    const expected: Array<string | RegExp> = [
      '# X509 SVIDs',
      `- ${ID}`,
      '  - Hint: inspect-hint',
      new RegExp(`^  - Expiry: ${escape(formatGoTime(source.svid.notAfter))} \\(${GO_DURATION}\\)$`),
      '  - DNS SAN: inspect.example.org',
      '  - IP SAN: 10.9.8.7',
      '# X509 Trust Bundles',
      '- example.org (#CAs: 1)',
      '# JWT SVIDs',
      `- ${ID}`,
      new RegExp(`^  - Expiry: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC \\(${GO_DURATION}\\)$`),
      '  - Audiences: [example.com]',
      '  - Hint: inspect-hint',
      /^ {2}- Value: eyJ[\w-]+\.[\w-]+\.[\w-]+$/,
      '  - Validation: PASS',
      '# JWT Bundles',
      '- example.org (#Keys: 1)',
      '  - Key ID: test-kid-1',
      '',
    ]
    assert.equal(lines.length, expected.length, run.stdout)
    expected.forEach((want, i) => {
      if (typeof want === 'string') assert.equal(lines[i], want)
      else assert.match(lines[i] ?? '', want)
    })
    const payload = JSON.parse(Buffer.from(lines[13]?.split('.')[1] ?? '', 'base64url').toString()) as {sub: string}
    assert.equal(payload.sub, ID)
    assert.match(run.stderr, new RegExp(`INFO \\[TBOT\\] +Inspecting SPIFFE Workload API Endpoint path:unix://${dir}/workload.sock`))
    assert.match(run.stderr, /Received X\.509 SVID context from Workload API svids_count:1 bundles_count:1/)
  })

  it('reads SPIFFE_ENDPOINT_SOCKET, takes --audience, and prints JSON', async () => {
    const run = await tbot(['spiffe-inspect', '--audience', 'spiffe://example.org/db', '--format', 'json'],
      {SPIFFE_ENDPOINT_SOCKET: server.address})
    assert.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout) as {
      x509_svids: Array<{spiffe_id: string; expires_at: string; dns_sans: string[]; ip_sans: string[]}>
      x509_bundles: unknown[]; jwt_svids: Array<{audiences: string[]; validation_error: string}>; jwt_bundles: unknown[]
    }
    assert.equal(report.x509_svids[0]?.spiffe_id, ID)
    assert.equal(report.x509_svids[0]?.expires_at, source.svid.notAfter.toISOString())
    assert.deepEqual(report.x509_bundles, [{trust_domain: 'example.org', ca_count: 1}])
    assert.deepEqual(report.jwt_svids.map((s) => [s.audiences, s.validation_error]), [[['spiffe://example.org/db'], '']])
    assert.deepEqual(report.jwt_bundles, [{trust_domain: 'example.org', key_ids: ['test-kid-1']}])
  })

  it('fails with one ERROR line for a denied caller, an absent socket, a bad address, or no address', async () => {
    const denying = await TestSource.create(ID, () => false)
    const other = await startWorkloadApiServer({listen: `unix://${dir}/deny.sock`, source: denying})
    try {
      const denied = await tbot(['spiffe-inspect', '--path', other.address])
      assert.equal(denied.code, 1)
      assert.equal(denied.stdout, '')
      assert.match(denied.stderr,
        /\nERROR: getting x509 context: rpc error: code = PermissionDenied desc = workload did not pass attestation for any SVIDs\n$/)
    } finally {
      await other.close(200)
    }
    const bad = await tbot(['spiffe-inspect', '--path', '/no/scheme.sock'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /\nERROR: workload endpoint socket URI must have a "tcp" or "unix" scheme\n$/)
    const absent = await tbot(['spiffe-inspect', '--path', `unix://${dir}/absent.sock`])
    assert.equal(absent.code, 1)
    assert.match(absent.stderr, /\nERROR: getting x509 context: rpc error: code = Unavailable desc = No connection established\..*ENOENT/)
    const none = await tbot(['spiffe-inspect'])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /\nERROR: workload endpoint socket address is not configured\n$/)
  })

  it('reports an endpoint that sends no SVIDs and no bundles, section by section', async () => {
    const {grpc, service} = await loadWorkloadApi()
    const empty = new grpc.Server()
    const streamEmpty = (message: object) => (call: {write(m: object): void; end(): void}): void => {
      call.write(message)
      call.end()
    }
    empty.addService(service, {
      FetchX509SVID: streamEmpty({svids: [], crl: [], federated_bundles: {}}),
      FetchX509Bundles: streamEmpty({bundles: {}}),
      FetchJWTBundles: streamEmpty({bundles: {}}),
      FetchJWTSVID: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, {svids: []}),
      ValidateJWTSVID: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, {}),
    })
    const path = join(dir, 'empty.sock')
    await new Promise<void>((resolve, reject) =>
      empty.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())))
    try {
      const run = await tbot(['spiffe-inspect', '--path', `unix://${path}`])
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout, [
        '# X509 SVIDs', 'No X509 SVIDs received, check your configuration',
        '# X509 Trust Bundles', 'No X509 trust bundles received, check your configuration',
        '# JWT SVIDs', 'No JWT SVIDs received, check your configuration',
        '# JWT Bundles', 'No JWT trust bundles received, check your configuration', '',
      ].join('\n'))
    } finally {
      empty.forceShutdown()
    }
  })
})
