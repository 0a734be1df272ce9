/**
 * Join figures (issue 10): joins per second through the real server process (`bin/teleport.js
 * start`) for kubernetes static_jwks and bound_keypair, each counted through to the bot's first
 * X.509 SVID (join request, then a new mTLS connection with the issued identity, then one
 * issuance), with CLIENTS joining at once; beside the limit, raw RS256 verification (jose) plus one
 * X.509 SVID issuance by the in-process Authority, measured in the same run. Each figure is the
 * median of a few timed rounds; the server and its clients share this machine's cores.
 */
import {createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {SignJWT, exportJWK, importJWK, jwtVerify} from 'jose'
import {signIdentityFile} from '../src/cli/auth-sign.js'
import {identityFromKey, readIdentityFile} from '../src/lib/backend/identity-file.js'
import {LocalBackend} from '../src/lib/backend/local/backend.js'
import {RemoteBackend} from '../src/lib/backend/remote/admin.js'
import {signChallenge} from '../src/lib/join/bound-keypair-proof.js'
import {formatSshPublicKey} from '../src/lib/join/ssh-public-key.js'
import {HttpsJsonClient, type ServerTrust} from '../src/lib/net/https-client.js'
import {parseResources} from '../src/lib/resources/parse.js'
import {encodeJoinRequest, parseBotIdentity, type JoinRequest} from '../src/lib/wire/bot-identity.js'
import {encodeChallengeRequest, parseChallengeResponse} from '../src/lib/wire/bound-keypair.js'
import {encodeX509Request} from '../src/lib/wire/issue.js'
import {API} from '../src/lib/wire/paths.js'
import type {BenchFigure} from './types.js'
import {closedLoop, median} from './_util.js'
import {startBenchServer} from './_server.js'

const CLIENTS = 8
const ROUNDS = 3
const ROUND_MS = 2000
const CLUSTER = 'bench.example'

function seeds(jwks: string, keys: readonly string[]): string {
  const tokens = keys.map((key, i) => `kind: token\nversion: v2\nmetadata: {name: bkp-${i}}\nspec: {roles: [Bot], bot_name: bench-bot, join_method: bound_keypair, ` +
    `bound_keypair: {onboarding: {initial_public_key: '${key}'}, recovery: {mode: insecure}}}\n`)
  return [
    `kind: workload_identity\nversion: v1\nmetadata: {name: bench, labels: {bench: 'yes'}}\nspec: {spiffe: {id: /svc/bench}}\n`,
    `kind: role\nversion: v6\nmetadata: {name: bench}\nspec: {allow: {workload_identity_labels: {bench: ['yes']}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}\n`,
    `kind: bot\nversion: v1\nmetadata: {name: bench-bot}\nspec: {roles: [bench]}\n`,
    `kind: token\nversion: v2\nmetadata: {name: k8s}\nspec: {roles: [Bot], bot_name: bench-bot, join_method: kubernetes, ` +
    `kubernetes: {type: static_jwks, static_jwks: {jwks: '${jwks}'}, allow: [{service_account: 'bench:bot'}]}}\n`,
    ...tokens,
  ].join('---\n')
}

async function rate(op: (i: number) => Promise<unknown>, clients: number): Promise<number> {
  const once = async () => (await closedLoop(op, clients, ROUND_MS)).perSec
  await once() // warm-up
  const rounds: number[] = []
  for (let i = 0; i < ROUNDS; i++) rounds.push(await once())
  return median(rounds)
}

interface Joiner {
  readonly url: string
  readonly trust: ServerTrust
  readonly spki: Buffer
  readonly key: KeyObject
}

/** Join, then the first SVID over a fresh mTLS connection with the identity just issued. */
async function joinToFirstSvid(j: Joiner, client: HttpsJsonClient, request: JoinRequest): Promise<void> {
  const issued = parseBotIdentity(await client.post(API.botJoin, encodeJoinRequest(request)))
  const id = identityFromKey(j.key, issued.certDer, issued.caDers)
  const bot = await HttpsJsonClient.create({url: j.url, trust: j.trust, identity: {certPem: id.certPem, keyPem: id.keyPem}})
  try {
    await bot.post(API.x509Svids, encodeX509Request({selector: {name: 'bench'}, publicKeyDer: j.spki, ttlMs: 0}))
  } finally {
    await bot.close()
  }
}

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-bench-join-'))
  const {child, port} = await startBenchServer(dir, CLUSTER)
  const clients: HttpsJsonClient[] = []
  try {
    const url = `https://127.0.0.1:${port}`
    const rsa = generateKeyPairSync('rsa', {modulusLength: 2048})
    const jwks = JSON.stringify({keys: [{...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig'}]})
    const boundKeys = Array.from({length: CLIENTS}, () => generateKeyPairSync('ed25519').privateKey)
    const resources = seeds(jwks, boundKeys.map((k) => formatSshPublicKey(createPublicKey(k))))
    const adminFile = join(dir, 'admin.pem')
    await signIdentityFile({dataDir: join(dir, 'data'), user: 'admin', ttlMs: 3_600_000, out: adminFile, overwrite: false})
    const adminId = await readIdentityFile(adminFile)
    const admin = new RemoteBackend({url, identity: adminId})
    await admin.createResources(parseResources(resources, 'bench.yaml'), {force: false})
    await admin.close()

    const {privateKey: key, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    const spki = publicKey.export({type: 'spki', format: 'der'})
    const j: Joiner = {url, trust: {kind: 'ca', caPem: adminId.caPems}, spki, key}
    for (let i = 0; i < CLIENTS; i++) clients.push(await HttpsJsonClient.create({url, trust: j.trust}))
    const iat = Math.floor(Date.now() / 1000)
    const claims = {iss: 'https://kubernetes.default.svc', aud: [CLUSTER], sub: 'system:serviceaccount:bench:bot', iat, exp: iat + 1200,
      'kubernetes.io': {namespace: 'bench', serviceaccount: {name: 'bot', uid: 'u'}, pod: {name: 'bot-0', uid: 'p'}}}
    const jwt = await new SignJWT(claims).setProtectedHeader({alg: 'RS256', kid: 'k1', typ: 'JWT'}).sign(rsa.privateKey)
    const base = {publicKeyDer: spki, ttlMs: 3_600_000}

    const k8s = await rate((i) => joinToFirstSvid(j, clients[i]!, {...base, token: 'k8s', joinMethod: 'kubernetes', idToken: jwt}), CLIENTS)
    const bkp = await rate(async (i) => {
      const token = `bkp-${i}`
      const c = parseChallengeResponse(await clients[i]!.post(API.botJoinChallenge, encodeChallengeRequest({token})))
      const answer = {nonce: c.nonce, signature: await signChallenge(c.document, boundKeys[i]!)}
      await joinToFirstSvid(j, clients[i]!, {...base, token, joinMethod: 'bound_keypair', boundKeypair: answer})
    }, CLIENTS)

    // The limit: what a join must at least do, in process — verify the RS256 JWT, issue one X.509 SVID.
    const local = await LocalBackend.open({dataDir: join(dir, 'local'), clusterName: CLUSTER})
    await local.createResources(parseResources(resources, 'bench.yaml'), {force: false})
    const authority = await local.authority()
    const caller = {kind: 'bot' as const, botName: 'bench-bot', roles: ['bench']}
    const verifyKey = await importJWK({...(await exportJWK(rsa.publicKey))}, 'RS256')
    const raw = await rate(async () => {
      await jwtVerify(jwt, verifyKey, {audience: CLUSTER, algorithms: ['RS256']})
      await authority.issueX509Svids({caller, selector: {name: 'bench'}, publicKey: spki, ttlMs: 0})
    }, 1)
    await authority.flush()
    const fig = (name: string, value: number): BenchFigure => ({
      name, value, unit: 'ops/s', limit: raw, ratio: value / raw, goal: 'joins through the server beside raw RS256 verify + X.509 issue in process',
    })
    return [
      fig('server_kubernetes_static_jwks_join_to_first_svid_per_sec', k8s),
      fig('server_bound_keypair_join_to_first_svid_per_sec', bkp),
      {name: 'raw_rs256_verify_plus_x509_svid_issue_per_sec', value: raw, unit: 'ops/s'},
    ]
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, {recursive: true, force: true})
  }
}
