/**
 * Server figures (issue "The remote server"): X.509 and JWT SVID issuances per second through the
 * real server process (`bin/teleport.js start`) with 32 concurrent bot clients on keep-alive mTLS
 * connections, beside the in-process Authority rate for the same requests measured in the same run
 * (goal: at least 0.6 of it). Each figure is the median of a few timed rounds. The server, its 32
 * clients and the in-process run share this machine's cores, so the client's own HTTPS work is
 * counted against the server; the trust-bundle figure shows what a request costs with no issuance,
 * and the CPU figures (server process µs per request beside in-process µs per issuance) are what
 * the server costs whatever else the machine is doing.
 */
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LocalBackend} from '../src/lib/backend/local/backend.js'
import {RemoteBackend} from '../src/lib/backend/remote/admin.js'
import {encodeJoinRequest, parseBotIdentity} from '../src/lib/wire/bot-identity.js'
import {encodeJwtRequest, encodeX509Request} from '../src/lib/wire/issue.js'
import {API} from '../src/lib/wire/paths.js'
import {identityFromKey, readIdentityFile} from '../src/lib/backend/identity-file.js'
import {signIdentityFile} from '../src/cli/auth-sign.js'
import {parseResources} from '../src/lib/resources/parse.js'
import {HttpsJsonClient} from '../src/lib/net/https-client.js'
import type {BenchFigure} from './types.js'
import {closedLoop, median} from './_util.js'
import {startBenchServer} from './_server.js'

const CLIENTS = 32
const ROUNDS = 3
const ROUND_MS = 1500
const SEEDS = `kind: workload_identity\nversion: v1\nmetadata: {name: bench, labels: {bench: 'yes'}}\nspec: {spiffe: {id: /svc/bench}}\n---\n` +
  `kind: role\nversion: v6\nmetadata: {name: bench}\nspec: {allow: {workload_identity_labels: {bench: ['yes']}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}\n`

/** CPU time (user + system) used so far by a process, in µs: the server's from /proc, ours from Node. */
type CpuClock = () => number
const ownCpu: CpuClock = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
function processCpu(pid: number): CpuClock {
  const tick = 1e6 / 100 // USER_HZ is 100 on Linux
  return () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * tick
  }
}

interface Round {
  readonly perSec: number
  /** CPU µs per operation of the process doing the work (the server, or this one in process). */
  readonly cpuUsPerOp: number
}

/** Runs `op` on every client in a loop for ROUND_MS. */
async function round(op: (i: number) => Promise<unknown>, clients: number, cpu: CpuClock): Promise<Round> {
  const cpu0 = cpu()
  const {done, perSec} = await closedLoop(op, clients, ROUND_MS)
  return {perSec, cpuUsPerOp: (cpu() - cpu0) / done}
}

async function measure(op: (i: number) => Promise<unknown>, clients: number, cpu: CpuClock): Promise<Round> {
  await round(op, clients, cpu) // warm-up
  const rounds: Round[] = []
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(op, clients, cpu))
  return {perSec: median(rounds.map((r) => r.perSec)), cpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp))}
}

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-bench-server-'))
  const {child, port} = await startBenchServer(dir, 'bench.example')
  const clients: HttpsJsonClient[] = []
  try {
    const url = `https://127.0.0.1:${port}`
    const adminFile = join(dir, 'admin.pem')
    await signIdentityFile({dataDir: join(dir, 'data'), user: 'admin', ttlMs: 3_600_000, out: adminFile, overwrite: false})
    const adminId = await readIdentityFile(adminFile)
    const admin = new RemoteBackend({url, identity: adminId})
    await admin.createResources(parseResources(SEEDS, 'bench.yaml'), {force: false})
    const {token} = await admin.addBot({name: 'bench-bot', roles: ['bench']})
    await admin.close()
    const {privateKey: key, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    const spki = publicKey.export({type: 'spki', format: 'der'})
    const trust = {kind: 'ca' as const, caPem: adminId.caPems}
    const joiner = await HttpsJsonClient.create({url, trust})
    const issued = parseBotIdentity(await joiner.post(API.botJoin, encodeJoinRequest({token: token.metadata.name, publicKeyDer: spki, ttlMs: 3_600_000})))
    await joiner.close()
    const bot = identityFromKey(key, issued.certDer, issued.caDers)
    for (let i = 0; i < CLIENTS; i++) clients.push(await HttpsJsonClient.create({url, trust, identity: {certPem: bot.certPem, keyPem: bot.keyPem}}))
    const x509Body = encodeX509Request({selector: {name: 'bench'}, publicKeyDer: spki, ttlMs: 0})
    const jwtBody = encodeJwtRequest({selector: {name: 'bench'}, audiences: ['bench'], ttlMs: 0})
    const serverCpu = processCpu(child.pid!)
    const serverX509 = await measure((i) => clients[i]!.post(API.x509Svids, x509Body), CLIENTS, serverCpu)
    const serverJwt = await measure((i) => clients[i]!.post(API.jwtSvids, jwtBody), CLIENTS, serverCpu)
    // The same connections and caller on a route that only reads: the HTTPS + JSON cost alone.
    const serverRoundTrip = await measure((i) => clients[i]!.get(API.trustBundle), CLIENTS, serverCpu)

    // In process: the same Authority on its own data directory, with the same bot caller.
    const local = await LocalBackend.open({dataDir: join(dir, 'local'), clusterName: 'bench.example'})
    await local.createResources(parseResources(SEEDS, 'bench.yaml'), {force: false})
    await local.addBot({name: 'bench-bot', roles: ['bench']})
    const authority = await local.authority()
    const caller = {kind: 'bot' as const, botName: 'bench-bot', roles: ['bench']}
    const localX509 = await measure(() => authority.issueX509Svids({caller, selector: {name: 'bench'}, publicKey: spki, ttlMs: 0}), 1, ownCpu)
    const localJwt = await measure(() => authority.issueJwtSvids({caller, selector: {name: 'bench'}, audiences: ['bench'], ttlMs: 0}), 1, ownCpu)
    await authority.flush()
    const fig = (name: string, value: number, limit: number): BenchFigure => ({
      name, value, unit: 'ops/s', limit, ratio: value / limit, goal: '>= 0.6x in-process Authority',
    })
    const cpuFig = (name: string, server: Round, inProcess: Round): BenchFigure => ({
      name, value: server.cpuUsPerOp, unit: 'us', limit: inProcess.cpuUsPerOp, ratio: server.cpuUsPerOp / inProcess.cpuUsPerOp,
    })
    return [
      fig('server_x509_svid_issue_per_sec_32_clients', serverX509.perSec, localX509.perSec),
      fig('server_jwt_svid_issue_per_sec_32_clients', serverJwt.perSec, localJwt.perSec),
      {name: 'server_trust_bundle_get_per_sec_32_clients', value: serverRoundTrip.perSec, unit: 'ops/s'},
      cpuFig('server_cpu_us_per_x509_svid', serverX509, localX509),
      cpuFig('server_cpu_us_per_jwt_svid', serverJwt, localJwt),
      {name: 'server_cpu_us_per_trust_bundle_get', value: serverRoundTrip.cpuUsPerOp, unit: 'us'},
    ]
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, {recursive: true, force: true})
  }
}
