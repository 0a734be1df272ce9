/**
 * The server refuses what it must, against the real process: no client certificate, an expired or
 * foreign one, one the cluster CA signed that is neither admin nor bot, a bot on admin routes, an
 * admin on bot routes, reused, expired and unknown join tokens, oversized and malformed bodies.
 * Each is refused with the right status and code, and the data directory shows nothing changed.
 * Join tokens never reach the server's log.
 */
import assert from 'node:assert/strict'
import {createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {request} from 'node:https'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {signAdminIdentity} from '../../src/lib/backend/admin-identity.js'
import {readIdentityFile, type IdentityFile} from '../../src/lib/backend/identity-file.js'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import type {CaMaterial} from '../../src/lib/ca/ca-material.js'
import {readDataDirCa} from '../helpers/ca-state.js'
import {issueClientCert} from '../../src/lib/ca/client-identity.js'
import {toPem} from '../../src/lib/ca/pem.js'
import {dataDirPaths} from '../../src/lib/backend/local/data-dir.js'
import {FileResourceStore} from '../../src/lib/storage/file-store.js'
import {makeProductCa} from '../helpers/pki.js'
import {callApi, startTestServer, type ApiReply, type TestServer} from '../helpers/server.js'

type Reply = ApiReply

let server: TestServer
let ca: CaMaterial
let admin: RemoteBackend
let adminId: IdentityFile

function call(method: string, path: string, o: {identity?: IdentityFile; body?: unknown; raw?: string | Buffer; type?: string} = {}): Promise<Reply> {
  const {identity, ...rest} = o
  return callApi(server.url, ca.botCa.certPem, method, path, identity ? {...rest, identity: {cert: identity.certPem, key: identity.keyPem}} : rest)
}

/**
 * A request that declares a body over the limit and sends only its first bytes: the server refuses it
 * from Content-Length alone, before reading on (sending all of it would race the server's close: EPIPE).
 */
function callDeclaringOversized(path: string, declaredBytes: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = request(`${server.url}${path}`, {
      method: 'POST', ca: ca.botCa.certPem, agent: false,
      headers: {'content-type': 'application/json', 'content-length': declaredBytes},
    }, (res) => {
      answered = true
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => {
        resolve({status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text)})
        req.destroy()
      })
    })
    req.on('error', (err) => answered || reject(err))
    req.write('{"token": "')
  })
}

function assertRefused(r: Reply, status: number, code: string, message: string | RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.body))
  const error = (r.body as {error: {code: string; message: string}}).error
  assert.equal(error.code, code)
  if (typeof message === 'string') assert.equal(error.message, message)
  else assert.match(error.message, message)
}

function spki(key: KeyObject): string {
  return createPublicKey(key).export({type: 'spki', format: 'der'}).toString('base64')
}

async function store() {
  const paths = dataDirPaths(server.dataDir)
  return new FileResourceStore(paths.resources, paths.lock)
}

/** Join as a bot over the raw API; returns its identity. */
async function joinBot(token: string): Promise<IdentityFile> {
  const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
  const r = await call('POST', '/v1/bot/join', {body: {token, public_key: spki(key), ttl_ms: 3_600_000}})
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const cert = Buffer.from((r.body as {certificate: string}).certificate, 'base64')
  return {certPem: toPem('CERTIFICATE', cert), keyPem: key.export({type: 'pkcs8', format: 'pem'}).toString(), caPems: [ca.botCa.certPem]}
}

before(async () => {
  server = await startTestServer()
  ca = await readDataDirCa(server.dataDir)
  adminId = await readIdentityFile(server.identityFile)
  admin = new RemoteBackend({url: server.url, identity: adminId})
})
after(async () => {
  await admin.close()
  await server.stop()
})

describe('client certificates', () => {
  it('refuses a request without one on every API route, and changes nothing', async () => {
    assertRefused(await call('GET', '/v1/status'), 401, 'UNAUTHENTICATED', 'this endpoint requires a client certificate')
    const role = {kind: 'role', version: 'v6', metadata: {name: 'sneaky'}, spec: {allow: {}}}
    assertRefused(await call('POST', '/v1/resources', {body: {resources: [role]}}), 401, 'UNAUTHENTICATED', 'this endpoint requires a client certificate')
    assertRefused(await call('POST', '/v1/bot/renew', {body: {}}), 401, 'UNAUTHENTICATED', 'this endpoint requires a client certificate')
    assertRefused(await call('GET', '/v1/workload-identity/trust-bundle'), 401, 'UNAUTHENTICATED', 'this endpoint requires a client certificate')
    assert.equal(await (await store()).get('role', 'sneaky'), undefined)
  })

  it('refuses an expired admin certificate', async () => {
    const past = () => new Date(Date.now() - 3 * 3_600_000)
    const {identity} = signAdminIdentity(ca, 'admin', 3_600_000, past)
    assertRefused(await call('GET', '/v1/status', {identity}), 401, 'UNAUTHENTICATED', 'client certificate rejected: CERT_HAS_EXPIRED')
  })

  it("refuses an admin certificate from another cluster's CA", async () => {
    const foreign = await makeProductCa({clusterName: 'evil.example'})
    const {identity} = signAdminIdentity(foreign, 'admin', 3_600_000, () => new Date())
    assertRefused(await call('GET', '/v1/status', {identity}), 401, 'UNAUTHENTICATED', /^client certificate rejected: [A-Z_]+$/)
    const rm = await call('DELETE', '/v1/resources/role/anything', {identity})
    assert.equal(rm.status, 401)
  })

  it('refuses a cluster-signed certificate that is neither an admin nor a bot identity', async () => {
    const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
    const cert = issueClientCert({ca: ca.botCa, publicKey: key, userName: 'mallory', roles: ['editor'], ttlMs: 3_600_000, now: () => new Date()})
    const identity = {certPem: toPem('CERTIFICATE', cert.der), keyPem: key.export({type: 'pkcs8', format: 'pem'}).toString(), caPems: []}
    assertRefused(await call('GET', '/v1/status', {identity}), 401, 'UNAUTHENTICATED', 'client certificate rejected: it is neither an admin nor a bot identity')
  })
})

describe('bots and admins stay on their side', () => {
  let bot: IdentityFile
  before(async () => {
    const {token} = await admin.addBot({name: 'edge-bot', roles: []})
    bot = await joinBot(token.metadata.name)
  })

  it('refuses a bot on every admin route, and changes nothing', async () => {
    const denied = 'access denied: this operation needs an admin identity'
    const role = {kind: 'role', version: 'v6', metadata: {name: 'bot-made'}, spec: {allow: {}}}
    const attempts: [string, string, unknown?][] = [
      ['GET', '/v1/status'], ['GET', '/v1/resources/role'], ['GET', '/v1/resources/token'], ['GET', '/v1/resources/bot/edge-bot'],
      ['POST', '/v1/resources', {resources: [role], force: true}], ['DELETE', '/v1/bots/edge-bot'],
      ['PATCH', '/v1/bots/edge-bot', {set_roles: ['admin']}], ['POST', '/v1/bots', {name: 'bot-made', roles: []}],
      ['POST', '/v1/tokens', {type: 'bot', bot_name: 'edge-bot'}], ['DELETE', '/v1/resources/bot/edge-bot'],
    ]
    for (const [method, path, body] of attempts) {
      assertRefused(await call(method, path, {identity: bot, body}), 403, 'ACCESS_DENIED', denied)
    }
    const s = await store()
    assert.equal(await s.get('role', 'bot-made'), undefined)
    assert.equal(await s.get('bot', 'bot-made'), undefined)
    assert.deepEqual((await s.get('bot', 'edge-bot'))?.spec.roles, [])
    assert.deepEqual((await s.list('token')).filter((t) => t.spec.bot_name === 'edge-bot'), [])
  })

  it('refuses an admin on the renewal route', async () => {
    const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
    const r = await call('POST', '/v1/bot/renew', {identity: adminId, body: {public_key: spki(key), ttl_ms: 60_000}})
    assertRefused(r, 403, 'ACCESS_DENIED', 'access denied: this operation needs a bot identity')
  })
})

describe('join tokens', () => {
  const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
  const join = (token: string, extra: Record<string, unknown> = {}) => call('POST', '/v1/bot/join', {body: {token, public_key: spki(key), ttl_ms: 60_000, ...extra}})
  const tokenExists = async (name: string) => (await (await store()).get('token', name)) !== undefined
  const used = 'the join token is unknown, already used or expired'

  it('refuses a reused, an expired and an unknown token', async () => {
    const {token} = await admin.addBot({name: 'join-bot', roles: []})
    assert.equal((await join(token.metadata.name)).status, 200)
    assertRefused(await join(token.metadata.name), 403, 'ACCESS_DENIED', used)
    const expired = await admin.addToken({type: 'bot', botName: 'join-bot', ttlMs: 1})
    await sleep(5)
    assertRefused(await join(expired.metadata.name), 403, 'ACCESS_DENIED', used)
    assertRefused(await join('0'.repeat(32)), 403, 'ACCESS_DENIED', used)
  })

  it('refuses malformed and oversized join requests without spending the token', async () => {
    const token = (await admin.addToken({type: 'bot', botName: 'join-bot', value: 'kept-token-0123456789abcdef'})).metadata.name
    const raw = (body: string | Buffer, type?: string) => call('POST', '/v1/bot/join', {raw: body, ...(type ? {type} : {})})
    assertRefused(await raw('{"token": "kept'), 400, 'BAD_PARAMETER', /^request body is not valid JSON: /)
    assertRefused(await raw(JSON.stringify({token}), 'text/plain'), 400, 'BAD_PARAMETER', 'unsupported content type "text/plain"; send application/json')
    assertRefused(await raw('[1, 2]'), 400, 'BAD_PARAMETER', 'request body: must be a mapping, got a list')
    assertRefused(await join(token, {public_key: 'AAAA'}), 400, 'BAD_PARAMETER', 'public_key: is not a valid PKIX public key')
    assertRefused(await join(token, {public_key: 'not base64!'}), 400, 'BAD_PARAMETER', 'request body: public_key: must be standard base64')
    assertRefused(await join(token, {ttl_ms: 0}), 400, 'BAD_PARAMETER', 'request body: ttl_ms: must be positive')
    assertRefused(await join(token, {bot_name: 'other'}), 400, 'BAD_PARAMETER', 'request body: unknown field "bot_name"')
    assertRefused(await callDeclaringOversized('/v1/bot/join', 2 * 1024 * 1024), 413, 'LIMIT_EXCEEDED', 'request body exceeds the limit of 1048576 bytes')
    assert.equal(await tokenExists(token), true)
    assert.equal((await join(token)).status, 200)
    assert.equal(await tokenExists(token), false)
  })

  it('never writes a token to the log', async () => {
    const token = (await admin.addToken({type: 'bot', botName: 'join-bot', value: 'secret-token-fedcba9876543210'})).metadata.name
    await admin.getResource('token', token)
    await admin.deleteResource('token', token)
    await join(token)
    await sleep(50)
    assert.doesNotMatch(server.stderr(), /secret-token-fedcba9876543210|kept-token-0123456789abcdef/)
    assert.match(server.stderr(), /method:DELETE path:\/v1\/resources\/token\/\[REDACTED\] status:204/)
  })
})

describe('malformed admin requests', () => {
  it('refuses bad resources and unknown kinds with the parser\'s messages, writing nothing', async () => {
    const bad = {kind: 'role', version: 'v99', metadata: {name: 'bad-role'}, spec: {}}
    const r = await call('POST', '/v1/resources', {identity: adminId, body: {resources: [bad]}})
    assert.equal(r.status, 400)
    assert.equal((r.body as {error: {code: string}}).error.code, 'BAD_PARAMETER')
    assertRefused(await call('GET', '/v1/resources/cluster', {identity: adminId}), 400, 'BAD_PARAMETER', 'unsupported resource kind "cluster"')
    assertRefused(await call('GET', '/v1/nothing', {identity: adminId}), 404, 'NOT_FOUND', 'no route for GET /v1/nothing')
    assert.equal(await (await store()).get('role', 'bad-role'), undefined)
  })
})
