/**
 * One bot request must not freeze the server. A bot allowed to list workload identities sends label
 * selectors whose values are patterns a backtracking engine would take minutes on (`.*` thirty times,
 * nested counted repeats) or that are simply huge, while another client pings `/webapi/ping` in a
 * loop. Every pathological request is answered (served, or refused with BAD_PARAMETER before any
 * matching) and the pinger keeps getting answers. The worst ping latency is printed, not asserted.
 */
import assert from 'node:assert/strict'
import {generateKeyPairSync, type KeyObject} from 'node:crypto'
import {after, before, describe, it} from 'node:test'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readDataDirCa} from '../helpers/ca-state.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import type {Resource} from '../../src/lib/resources/types.js'
import {callApi, startTestServer, type ApiReply, type TestServer} from '../helpers/server.js'

interface Identity {
  readonly cert: string
  readonly key: string
}

type Reply = ApiReply

let server: TestServer
let admin: RemoteBackend
let caPem: string
let bot: Identity

const IDENTITIES = 20
const TOO_COMPLEX = 'the patterns are too complex; at most 256 regexp instructions are allowed in all'
/** Long label values, so a slow matcher would show: `a` x ~1000; only the last one ends with `!`. */
const envValue = (i: number): string => 'a'.repeat(990 + i) + (i === IDENTITIES - 1 ? '!' : '')

function call(method: string, path: string, o: {identity?: Identity; body?: unknown} = {}): Promise<Reply> {
  return callApi(server.url, caPem, method, path, o)
}

function spki(key: KeyObject): string {
  return key.export({type: 'spki', format: 'der'}).toString('base64')
}

function resources(): Resource[] {
  const role = {
    kind: 'role', version: 'v7', metadata: {name: 'selector-issuer'},
    spec: {allow: {workload_identity_labels: {'*': ['*']}, rules: [{resources: ['workload_identity'], verbs: ['read', 'list']}]}},
  }
  const identities = Array.from({length: IDENTITIES}, (_, i) => ({
    kind: 'workload_identity', version: 'v1',
    metadata: {name: `dos-${String(i).padStart(2, '0')}`, labels: {env: envValue(i), app: `app-${i}`}},
    spec: {spiffe: {id: `/dos/${i}`}},
  }))
  return parseResources([role, ...identities].map((doc) => JSON.stringify(doc)).join('\n---\n'), 'selector-dos.yaml')
}

async function joinBot(): Promise<Identity> {
  const {token} = await admin.addBot({name: 'selector-bot', roles: ['selector-issuer']})
  const {publicKey, privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
  const r = await call('POST', '/v1/bot/join', {body: {token: token.metadata.name, public_key: spki(publicKey), ttl_ms: 3_600_000}})
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const der = Buffer.from((r.body as {certificate: string}).certificate, 'base64')
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`
  return {cert, key: privateKey.export({type: 'pkcs8', format: 'pem'}).toString()}
}

/** Pings one after another until stopped; stop() fails if a ping was not answered with 200. */
function startPinger(): {stop: () => Promise<{count: number; worstMs: number}>} {
  let running = true
  let count = 0
  let worstMs = 0
  const loop = (async (): Promise<unknown> => {
    try {
      while (running) {
        const started = process.hrtime.bigint()
        const r = await call('GET', '/webapi/ping')
        worstMs = Math.max(worstMs, Number(process.hrtime.bigint() - started) / 1e6)
        if (r.status !== 200) return new Error(`ping answered ${r.status}`)
        count++
      }
      return undefined
    } catch (err) {
      return err
    }
  })()
  return {
    async stop() {
      running = false
      const failure = await loop
      if (failure !== undefined) throw failure
      return {count, worstMs}
    },
  }
}

const issueJwt = (labels: Record<string, string[]>): Promise<Reply> =>
  call('POST', '/v1/workload-identity/jwt-svids', {identity: bot, body: {selector: {labels}, ttl_ms: 60_000, audiences: ['dos-test']}})

const credentialNames = (r: Reply): string[] =>
  (r.body as {credentials: Array<{workload_identity_name: string}>}).credentials.map((c) => c.workload_identity_name)

function errorOf(r: Reply): {code: string; message: string} {
  return (r.body as {error: {code: string; message: string}}).error
}

before(async () => {
  server = await startTestServer()
  caPem = (await readDataDirCa(server.dataDir)).botCa.certPem
  admin = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  await admin.createResources(resources(), {force: false})
  bot = await joinBot()
})
after(async () => {
  await admin.close()
  await server.stop()
})

describe('a bot sending pathological label selectors', () => {
  it('gets every request answered while the server keeps answering pings', async () => {
    const dotStar30 = `^${'.*'.repeat(30)}!$`
    // [what, selector, expected status, check of the reply]
    const cases: Array<[string, Record<string, string[]>, number, (r: Reply) => void]> = [
      ['`.*` x30 then `!`', {env: [dotStar30]}, 200, (r) => assert.deepEqual(credentialNames(r), ['dos-19'])],
      ['`.*` x30 then `!`, and a glob', {env: [dotStar30], app: ['app-1*']}, 200, (r) => assert.deepEqual(credentialNames(r), ['dos-19'])],
      ['(?:a{0,30}){0,30} as a regexp', {env: ['^(?:a{0,30}){0,30}$']}, 400, (r) => assert.equal(errorOf(r).message, `request body: selector.labels.env[0]: ${TOO_COMPLEX}`)],
      ['(?:a{0,10}){0,10} as a regexp', {env: ['^(?:a{0,10}){0,10}$']}, 200, (r) => assert.deepEqual(credentialNames(r), [])],
      ['(?:a{0,10}){0,10} then a*', {env: ['^(?:a{0,10}){0,10}a*$'], app: ['app-4']}, 200, (r) => assert.deepEqual(credentialNames(r), ['dos-04'])],
      ['1 KiB expanding to 100,000 instructions', {env: [`^${'\\pL{1000}'.repeat(100)}$`]}, 400,
        (r) => assert.equal(errorOf(r).message, `request body: selector.labels.env[0]: ${TOO_COMPLEX}`)],
      ['(?:a{0,30}){0,30} as a glob', {env: ['(?:a{0,30}){0,30}']}, 200, (r) => assert.deepEqual(credentialNames(r), [])],
      ['^(a+)+$ with one other label', {env: ['^(a+)+$'], app: ['app-3']}, 200, (r) => assert.deepEqual(credentialNames(r), ['dos-03'])],
      ['^(a+)+$ matching nineteen', {env: ['^(a+)+$']}, 400, (r) => assert.match(errorOf(r).message, /exceeds maximum permitted \(max = 10\)/)],
      ['a 100,000-byte value', {env: ['a'.repeat(100_000)]}, 400,
        (r) => assert.equal(errorOf(r).message, 'request body: selector.labels.env[0]: is 100000 bytes long; at most 1024 are allowed')],
      ['two nested counted repeats', {env: ['^(?:a{0,10}){0,10}$', '^(?:b{0,10}){0,10}$']}, 400,
        (r) => assert.equal(errorOf(r).message, `request body: selector.labels.env[1]: ${TOO_COMPLEX}`)],
      ['65 labels', Object.fromEntries(Array.from({length: 65}, (_, i) => [`k${i}`, ['*']])), 400,
        (r) => assert.equal(errorOf(r).message, 'request body: selector.labels: has 65 labels; at most 64 are allowed')],
    ]
    // For scale on a noisy machine: the worst ping while the bot sends ordinary selectors.
    const baseline = startPinger()
    for (let i = 0; i < 5; i++) assert.deepEqual(credentialNames(await issueJwt({app: [`app-${i}`]})), [`dos-0${i}`])
    const ordinary = await baseline.stop()
    const pinger = startPinger()
    const timings: string[] = []
    for (const [what, labels, status, check] of cases) {
      const started = process.hrtime.bigint()
      const r = await issueJwt(labels)
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      timings.push(`${what}: ${status} in ${ms.toFixed(1)} ms`)
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`)
      if (status === 400) assert.equal(errorOf(r).code, 'BAD_PARAMETER')
      check(r)
    }
    const pings = await pinger.stop()
    for (const line of timings) console.log(`# ${line}`)
    console.log(`# ordinary selectors: ${ordinary.count} pings, worst latency ${ordinary.worstMs.toFixed(1)} ms`)
    console.log(`# pathological selectors: ${pings.count} pings, worst latency ${pings.worstMs.toFixed(1)} ms`)
    assert.ok(pings.count > 0)
  })
})
