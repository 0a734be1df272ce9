/**
 * Issue 5 end to end on the local backend: the real `tctl` sets up the overview seed's resources
 * (unix rules: uid 1000 OR gid 2000), the real `tbot` serves the SPIFFE Workload API on Unix
 * sockets — one in the one-line form with a short TTL (rotation), one with a config file holding
 * the seed's service block and a templated identity — and client processes started as other users
 * (the tests run as root) are attested by their SO_PEERCRED. Needs `npm run build` (bin/ → dist/).
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {after, before, describe, it} from 'node:test'
import {pathToFileURL} from 'node:url'
import {loadWorkloadApi} from '../../src/lib/workloadapi/proto.js'
import {cliEnv, REPO, run, start} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

const TD = 'example.teleport.sh'
const PAYMENTS_ID = `spiffe://${TD}/svc/payments/processor`
const SEEDS = join(REPO, 'test/fixtures/seeds')
const TEMPLATED_WI = `kind: workload_identity
version: v1
metadata:
  name: payments-per-process
  labels: {team: payments, env: production}
spec:
  spiffe:
    id: /svc/{{ user.bot_name }}/pid/{{ workload.unix.pid }}
`

/** A user the clients run as; none of them is root. */
interface As {
  readonly uid: number
  readonly gid: number
}
const UID_1000: As = {uid: 1000, gid: 1000}
const GID_2000: As = {uid: 1001, gid: 2000}
const NOBODY: As = {uid: 65534, gid: 65534}

/** A Workload API client program (the package's own client, from dist/) printing JSON lines. */
function clientScript(): string {
  const lib = (path: string) => JSON.stringify(pathToFileURL(join(REPO, 'dist/src/lib/workloadapi', path)).href)
  return `import {X509Certificate} from 'node:crypto'
const {WorkloadApiClient} = await import(${lib('client.js')})
const {loadWorkloadApi} = await import(${lib('proto.js')})
const [mode, address, arg] = process.argv.slice(2)
const out = (o) => process.stdout.write(JSON.stringify({pid: process.pid, ...o}) + '\\n')
const failed = (err) => out({error: {grpcCode: err.grpcCode ?? err.code ?? null, message: err.details ?? err.message}})
const svid = (s) => ({id: s.spiffeId.toString(), serial: s.certificates[0].serialNumber, notAfter: s.certificates[0].validTo,
  sans: s.certificates[0].subjectAltName})
try {
  if (mode === 'x509') {
    // Each fetch on its own connection, as separate clients of one process would.
    const contexts = []
    for (let i = 0; i < Number(arg ?? 1); i++) {
      const client = await WorkloadApiClient.create({address, timeoutMs: 20000, channelOptions: {'grpc.use_local_subchannel_pool': 1}})
      try { contexts.push(await client.fetchX509Context()) } finally { client.close() }
    }
    out({fetches: contexts.map((c) => ({svids: c.svids.map(svid), bundles: [...c.bundles.keys()]}))})
  } else if (mode === 'jwt') {
    const client = await WorkloadApiClient.create({address, timeoutMs: 20000})
    try {
      const jwt = await client.fetchJwtSvid({audience: arg})
      const valid = await client.validateJwtSvid(jwt.token, arg)
      out({id: jwt.spiffeId.toString(), audience: jwt.audience, validated: valid.spiffeId.toString()})
    } finally { client.close() }
  } else if (mode === 'watch') {
    // One raw FetchX509SVID call, never retried: every message printed arrived on this one stream.
    const {grpc, Client} = await loadWorkloadApi()
    const client = new Client(address.replace(/^unix:\\/\\//, 'unix:'), grpc.credentials.createInsecure())
    const md = new grpc.Metadata()
    md.set('workload.spiffe.io', 'true')
    const call = client.FetchX509SVID({}, md)
    call.on('data', (m) => {
      const leaf = new X509Certificate(m.svids[0].x509_svid)
      out({message: {id: m.svids[0].spiffe_id, serial: leaf.serialNumber}})
    })
    call.on('error', (err) => { if (err.code !== 1) failed(err); process.exit(0) })
    call.on('end', () => { out({end: true}); process.exit(0) })
  } else {
    throw new Error('unknown mode ' + mode)
  }
} catch (err) {
  failed(err)
}
`
}

interface Setup {
  readonly dir: string
  readonly env: NodeJS.ProcessEnv
  readonly script: string
  readonly home: string
}

let setup: Setup
/** Made at the top level: tempDir's cleanup then runs when the file ends (not when a hook does). */
const DIR = tempDir('tbot-wapi-e2e-')

function tctl(...args: string[]): string {
  const r = run('tctl', args, {env: setup.env})
  assert.equal(r.code, 0, `tctl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout + r.stderr
}

function botToken(output: string): string {
  const match = /^The bot token: ([0-9a-f]{32})$/m.exec(output)
  assert.ok(match, output)
  return match[1] as string
}

/** Runs the client program as `as`; resolves with its JSON lines. */
function client(as: As, mode: string, address: string, arg?: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [setup.script, mode, address, ...(arg !== undefined ? [arg] : [])], {
      uid: as.uid, gid: as.gid, cwd: setup.dir, env: cliEnv({HOME: setup.home}), stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`client ${mode} as uid ${as.uid} exited ${code}: ${stderr}`))
      resolve(stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>))
    })
  })
}

interface Fetch {
  svids: Array<{id: string; serial: string; notAfter: string; sans?: string}>
  bundles: string[]
}

async function fetchX509(as: As, address: string, times = 1): Promise<{pid: number; fetches: Fetch[]}> {
  const [line] = await client(as, 'x509', address, String(times))
  assert.equal(line?.error, undefined, JSON.stringify(line))
  return line as unknown as {pid: number; fetches: Fetch[]}
}

async function deniedWith(as: As, mode: string, address: string, arg?: string): Promise<{grpcCode: number; message: string}> {
  const [line] = await client(as, mode, address, arg)
  assert.ok(line?.error !== undefined, `expected an error, got ${JSON.stringify(line)}`)
  return line.error as {grpcCode: number; message: string}
}

type Tbot = ReturnType<typeof start>

/** Resolves once the tbot has logged that every one of its Workload API services listens. */
async function listening(tbot: Tbot, services: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const logs = tbot.output().stderr
    if ((logs.match(/Workload API service listening/g) ?? []).length >= services) return
    if (tbot.child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail(`tbot did not start listening:\n${tbot.output().stderr}`)
}

const sockets = {
  oneLine: '',
  seed: '',
  templated: '',
}
let oneLine: Tbot
let fromFile: Tbot

describe('tbot workload-identity-api on the local backend (real binaries, real sockets, other uids)', () => {
  before(async () => {
    assert.ok(existsSync(join(REPO, 'dist/src/lib/workloadapi/client.js')), 'run `npm run build` first')
    const dir = DIR
    // The clients run as other users: the sockets' directory and the client program must be reachable.
    chmodSync(dir, 0o755)
    const home = join(dir, 'home')
    mkdirSync(home, {mode: 0o777})
    chmodSync(home, 0o777)
    const script = join(dir, 'client.mjs')
    writeFileSync(script, clientScript(), {mode: 0o644})
    setup = {dir, env: cliEnv({SVIDKIT_DATA_DIR: join(dir, 'data')}), script, home}
    sockets.oneLine = join(dir, 'one-line', 'workload.sock')
    sockets.seed = join(dir, 'machine-id', 'workload.sock')
    sockets.templated = join(dir, 'machine-id', 'per-process.sock')

    // The overview seed, step by step.
    tctl('init', '--cluster-name', TD)
    tctl('create', '-f', join(SEEDS, 'overview-workload-identity.yaml'))
    tctl('create', '-f', join(SEEDS, 'overview-role.yaml'))
    writeFileSync(join(dir, 'templated.yaml'), TEMPLATED_WI)
    tctl('create', '-f', join(dir, 'templated.yaml'))
    const myBot = botToken(tctl('bots', 'add', 'my-bot', '--roles='))
    tctl('bots', 'update', 'my-bot', '--add-roles', 'payments-svid-issuer')
    const otherBot = botToken(tctl('bots', 'add', 'other-bot', '--roles=payments-svid-issuer'))

    // One-line form, short-lived SVIDs so a rotation comes within the test.
    oneLine = start('tbot', ['start', 'workload-identity-api', '--listen', `unix://${sockets.oneLine}`,
      '--name-selector', 'payments-processor', '--token', myBot, '--storage', join(dir, 'storage'),
      '--data-dir', join(dir, 'data'), '--certificate-ttl', '30s', '--renewal-interval', '3s'], {env: setup.env})
    // Config file: the seed's tbot.yaml (its services block as written), joined to the local cluster.
    writeFileSync(join(dir, 'tbot.yaml'), `version: v2
onboarding:
  join_method: token
  token: ${otherBot}
storage:
  type: memory
services:
  - type: workload-identity-api
    listen: unix://${sockets.seed}
    selector:
      name: payments-processor
  - type: workload-identity-api
    listen: unix://${sockets.templated}
    selector:
      name: payments-per-process
`)
    fromFile = start('tbot', ['start', '-c', join(dir, 'tbot.yaml'), '--data-dir', join(dir, 'data')], {env: setup.env})
    await Promise.all([listening(oneLine, 1), listening(fromFile, 2)])
  })

  after(async () => {
    for (const tbot of [oneLine, fromFile]) if (tbot?.child.exitCode === null) tbot.child.kill('SIGKILL')
  })

  it('a client running as uid 1000 receives its X.509-SVID (first rule); one process is issued one SVID', async () => {
    for (const socket of [sockets.oneLine, sockets.seed]) {
      const {fetches} = await fetchX509(UID_1000, `unix://${socket}`, 3)
      assert.equal(fetches.length, 3)
      for (const fetch of fetches) {
        assert.deepEqual(fetch.svids.map((s) => s.id), [PAYMENTS_ID])
        assert.equal(fetch.svids[0]?.sans, `URI:${PAYMENTS_ID}, DNS:payments-processor.internal.example.com`)
        assert.deepEqual(fetch.bundles, [TD])
      }
      // (The one-line tbot rotates every 3 s, so only the 1 h socket is sure to see no rotation in between.)
      if (socket === sockets.seed) assert.equal(new Set(fetches.map((f) => f.svids[0]?.serial)).size, 1, 'three connections, one signing')
    }
  })

  it('a client running as uid 1001 with gid 2000 receives it too (second rule), with its own key and certificate', async () => {
    const theirs = await fetchX509(GID_2000, `unix://${sockets.seed}`)
    const ours = await fetchX509(UID_1000, `unix://${sockets.seed}`)
    assert.deepEqual(theirs.fetches[0]?.svids.map((s) => s.id), [PAYMENTS_ID])
    assert.notEqual(theirs.fetches[0]?.svids[0]?.serial, ours.fetches[0]?.svids[0]?.serial)
  })

  it('uid 1000 fetches and validates a JWT-SVID', async () => {
    const [line] = await client(UID_1000, 'jwt', `unix://${sockets.seed}`, 'sts.amazonaws.com')
    assert.deepEqual(line, {pid: line?.pid, id: PAYMENTS_ID, audience: ['sts.amazonaws.com'], validated: PAYMENTS_ID})
  })

  it('a client running as uid 65534 / gid 65534 passes neither rule: PermissionDenied for X.509 and JWT', async () => {
    const why = 'workload identity failed evaluation: attributes did not pass rule evaluation: no matching rule found'
    assert.deepEqual(await deniedWith(NOBODY, 'x509', `unix://${sockets.oneLine}`), {grpcCode: 7, message: why})
    assert.deepEqual(await deniedWith(NOBODY, 'jwt', `unix://${sockets.seed}`, 'sts.amazonaws.com'), {grpcCode: 7, message: why})
  })

  it('a request without the workload.spiffe.io header gets InvalidArgument', async () => {
    const {grpc, Client} = await loadWorkloadApi()
    const raw = new Client(`unix:${sockets.seed}`, grpc.credentials.createInsecure()) as unknown as
      {FetchX509SVID(req: object, md: unknown): NodeJS.EventEmitter; FetchJWTSVID(req: object, md: unknown, cb: (err: {code: number; details: string} | null) => void): void; close(): void}
    try {
      const streamErr = await new Promise<{code: number; details: string}>((resolve) =>
        raw.FetchX509SVID({}, new grpc.Metadata()).on('error', resolve))
      assert.deepEqual([streamErr.code, streamErr.details], [3, 'security header missing from request'])
      const unaryErr = await new Promise<{code: number; details: string} | null>((resolve) =>
        raw.FetchJWTSVID({audience: ['a']}, new grpc.Metadata(), resolve))
      assert.deepEqual([unaryErr?.code, unaryErr?.details], [3, 'security header missing from request'])
    } finally {
      raw.close()
    }
  })

  it('a rotation reaches an open FetchX509SVID stream without reconnecting', async () => {
    const child = spawn(process.execPath, [setup.script, 'watch', `unix://${sockets.oneLine}`], {
      uid: UID_1000.uid, gid: UID_1000.gid, cwd: setup.dir, env: cliEnv({HOME: setup.home}), stdio: ['ignore', 'pipe', 'inherit'],
    })
    const messages: Array<{id: string; serial: string}> = []
    try {
      for await (const text of createInterface({input: child.stdout})) {
        const line = JSON.parse(text) as {message?: {id: string; serial: string}}
        assert.ok(line.message !== undefined, `the stream failed or ended: ${text}`)
        messages.push(line.message)
        if (messages.length === 2) break
      }
    } finally {
      child.kill()
    }
    assert.equal(messages.length, 2)
    assert.deepEqual(messages.map((m) => m.id), [PAYMENTS_ID, PAYMENTS_ID])
    assert.notEqual(messages[0]?.serial, messages[1]?.serial, 'the second message carries a new SVID')
  })

  it('tbot spiffe-inspect --path, as an entitled uid, prints the SPIFFE ID, its expiry and the trust domain', async () => {
    const inspect = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => {
      const child = spawn(process.execPath, [join(REPO, 'bin/tbot.js'), 'spiffe-inspect', '--path', `unix://${sockets.seed}`], {
        uid: UID_1000.uid, gid: UID_1000.gid, cwd: setup.dir, env: cliEnv({HOME: setup.home}),
      })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      child.on('exit', (code) => resolve({code, stdout, stderr}))
    })
    assert.equal(inspect.code, 0, inspect.stderr)
    const lines = inspect.stdout.split('\n')
    assert.equal(lines[0], '# X509 SVIDs')
    assert.equal(lines[1], `- ${PAYMENTS_ID}`)
    const expiry = /^ {2}- Expiry: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+0000 UTC \((59m[0-9.]+s)\)$/.exec(lines[3] ?? '')
    assert.ok(expiry, lines[3])
    // The default credential_ttl is 1h: the SVID expires about an hour from now.
    const expiresAt = Date.parse(`${(expiry[1] as string).replace(' ', 'T')}Z`)
    assert.ok(Math.abs(expiresAt - (Date.now() + 3600_000)) < 5 * 60_000, lines[3])
    assert.ok(lines.includes('# X509 Trust Bundles'))
    assert.ok(lines.includes(`- ${TD} (#CAs: 1)`), inspect.stdout)
    assert.ok(lines.includes('  - Validation: PASS'), inspect.stdout)
    assert.match(inspect.stderr, new RegExp(`Inspecting SPIFFE Workload API Endpoint path:unix://${sockets.seed}`))
  })

  it('a templated SPIFFE ID gives different callers on one socket different identities', async () => {
    const address = `unix://${sockets.templated}`
    const [a, b] = await Promise.all([fetchX509(UID_1000, address), fetchX509(GID_2000, address)])
    assert.deepEqual(a.fetches[0]?.svids.map((s) => s.id), [`spiffe://${TD}/svc/other-bot/pid/${a.pid}`])
    assert.deepEqual(b.fetches[0]?.svids.map((s) => s.id), [`spiffe://${TD}/svc/other-bot/pid/${b.pid}`])
    assert.notEqual(a.pid, b.pid)
  })

  it('SIGTERM closes the sockets; every issuance is in the audit log with the caller\'s attested uid', async () => {
    for (const tbot of [oneLine, fromFile]) {
      tbot.child.kill('SIGTERM')
      const result = await tbot.done
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(result.stderr, /ERROR/)
    }
    for (const socket of Object.values(sockets)) assert.equal(existsSync(socket), false, socket)
    const records = readFileSync(join(setup.dir, 'data', 'audit.log'), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as {code: string; svid_type: string; spiffe_id: string; user: string; attributes: {workload?: {unix?: {uid?: number}}}})
      .filter((r) => r.code !== 'TSPIFFE000E') // refused decisions are recorded too; these are the issuances
    const x509Uids = new Set(records.filter((r) => r.svid_type === 'x509').map((r) => r.attributes.workload?.unix?.uid))
    assert.deepEqual([...x509Uids].sort(), [1000, 1001])
    assert.ok(records.some((r) => r.user === 'bot-other-bot' && r.spiffe_id === PAYMENTS_ID))
    assert.ok(records.some((r) => r.user === 'bot-my-bot' && r.spiffe_id === PAYMENTS_ID))
  })
})
