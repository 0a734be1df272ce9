/**
 * The tbot contract (ConnectBot / BotSession), run unchanged against the local data directory and the
 * real server: joining with a single-use token, renewing, issuing X.509 and JWT SVIDs with exactly
 * the identities the bot's roles grant, and the same refusals.
 */
import assert from 'node:assert/strict'
import {X509Certificate, createPublicKey, generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {createLocalJWKSet, jwtVerify, decodeProtectedHeader} from 'jose'
import {validateExpression} from '../../src/lib/authz/expression/index.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import type {BotSession} from '../../src/lib/issuance/contract.js'
import {BACKENDS, CLUSTER, scratch, type BackendUnderTest} from './backends.js'

const SEEDS = `
kind: workload_identity
version: v1
metadata: {name: api, labels: {team: api}}
spec: {spiffe: {id: /svc/api, hint: the api}}
---
kind: workload_identity
version: v1
metadata: {name: db, labels: {team: db}}
spec: {spiffe: {id: /svc/db}}
---
kind: workload_identity
version: v1
metadata: {name: uid-bound, labels: {team: api}}
spec:
  spiffe: {id: /svc/uid-bound}
  rules: {allow: [{conditions: [{attribute: workload.unix.uid, eq: {value: '1000'}}]}]}
---
kind: role
version: v6
metadata: {name: api-issuer}
spec: {allow: {workload_identity_labels: {team: [api]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
---
kind: role
version: v6
metadata: {name: db-issuer}
spec: {allow: {workload_identity_labels: {team: [db]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
`

/** A SPIFFE ID made from a bot's login: as long as the login is (item 10). */
const BY_LOGIN = `
kind: workload_identity
version: v1
metadata: {name: by-login, labels: {team: login}}
spec: {spiffe: {id: '/svc/{{user.traits.logins}}'}}
---
kind: role
version: v6
metadata: {name: login-issuer}
spec: {allow: {workload_identity_labels: {team: [login]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
`

const TOKEN_REFUSED = 'joining the cluster failed: the join token is unknown, already used or expired'
/** Another process's writes reach a policy cache within 500 ms (authority/policy.ts). */

function p256(): {spki: Buffer; publicKey: ReturnType<typeof createPublicKey>} {
  const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
  return {spki: publicKey.export({type: 'spki', format: 'der'}), publicKey}
}

for (const make of BACKENDS) {
  describe(`tbot contract: ${make.name.replace('Backend', '')} backend`, () => {
    let b: BackendUnderTest
    let root: string
    const storageDir = () => mkdtempSync(join(root, 'bot-'))
    const sessions: BotSession[] = []
    const open = async (storage: string, token?: string) => {
      const s = await b.connectBot(storage, token)
      sessions.push(s)
      return s
    }
    const newBot = async (name: string, roles: string[]) => {
      const {token} = await b.admin.addBot({name, roles})
      const storage = storageDir()
      return {token: token.metadata.name, storage, session: await open(storage, token.metadata.name)}
    }
    before(async () => {
      b = await make()
      root = scratch()
      await b.admin.createResources(parseResources(SEEDS, 'seeds.yaml', {validateExpression}), {force: false})
    })
    after(async () => {
      for (const s of sessions) await s.close()
      await b.close()
      rmSync(root, {recursive: true, force: true})
    })

    it('joins once with the token, and issues an X.509-SVID for its own key', async () => {
      const {token, session} = await newBot('x509-bot', ['api-issuer'])
      assert.equal(await (await b.rawStore()).get('token', token), undefined)
      const key = p256()
      const [svid, ...rest] = await session.issueX509Svids({selector: {name: 'api'}, publicKeyDer: key.spki, ttlMs: 600_000})
      assert.equal(rest.length, 0)
      assert.equal(svid!.spiffeId, `spiffe://${CLUSTER}/svc/api`)
      assert.equal(svid!.hint, 'the api')
      assert.equal(svid!.workloadIdentityName, 'api')
      assert.equal(svid!.ttlMs, 600_000)
      assert.deepEqual(svid!.chainDer, [])
      assert.match(svid!.serialNumber, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/)
      const cert = new X509Certificate(Buffer.from(svid!.certificateDer))
      assert.ok(cert.publicKey.equals(key.publicKey))
      assert.equal(cert.subjectAltName, `URI:spiffe://${CLUSTER}/svc/api`)
      const bundle = await session.trustBundle()
      assert.equal(bundle.trustDomain, CLUSTER)
      assert.ok(cert.verify(new X509Certificate(bundle.x509Pem).publicKey))
      assert.equal(svid!.expiresAt.getTime(), new Date(cert.validTo).getTime())
    })

    it('issues JWT-SVIDs that verify against the trust bundle', async () => {
      const {session} = await newBot('jwt-bot', ['api-issuer'])
      const [svid] = await session.issueJwtSvids({selector: {labels: {team: ['api']}}, audiences: ['sts.amazonaws.com', 'b'], ttlMs: 300_000})
      assert.equal(svid!.spiffeId, `spiffe://${CLUSTER}/svc/api`)
      const bundle = await session.trustBundle()
      const {payload, protectedHeader} = await jwtVerify(svid!.jwt, createLocalJWKSet({keys: bundle.jwtKeys.map((k) => ({...k}))}), {
        issuer: b.issuer, audience: 'sts.amazonaws.com',
      })
      assert.equal(protectedHeader.alg, 'RS256')
      assert.equal(decodeProtectedHeader(svid!.jwt).kid, bundle.jwtKeys[0]!.kid)
      assert.equal(payload.sub, `spiffe://${CLUSTER}/svc/api`)
      assert.deepEqual(payload.aud, ['sts.amazonaws.com', 'b'])
      assert.equal(payload.exp! - payload.iat!, 300)
      await assert.rejects(session.issueJwtSvids({selector: {name: 'api'}, audiences: [], ttlMs: 0}), {
        code: 'BAD_PARAMETER', message: 'jwt_svid_params.audiences: at least one audience should be specified',
      })
    })

    it('refuses a reused or expired token, and an unknown one', async () => {
      const {token} = await newBot('once-bot', [])
      await assert.rejects(open(storageDir(), token), {code: 'ACCESS_DENIED', message: TOKEN_REFUSED})
      const expired = await b.admin.addToken({type: 'bot', botName: 'once-bot', ttlMs: 1})
      await sleep(5)
      await assert.rejects(open(storageDir(), expired.metadata.name), {code: 'ACCESS_DENIED', message: TOKEN_REFUSED})
      await assert.rejects(open(storageDir(), 'f'.repeat(32)), {code: 'ACCESS_DENIED', message: TOKEN_REFUSED})
    })

    it('gives a bot exactly what its roles grant; a new role applies from the next renewal', async () => {
      const {session, storage} = await newBot('roles-bot', ['api-issuer'])
      const key = p256().spki
      const byLabels = await session.issueX509Svids({selector: {labels: {team: ['api', 'db']}}, publicKeyDer: key, ttlMs: 0})
      assert.deepEqual(byLabels.map((c) => c.workloadIdentityName), ['api'])
      await assert.rejects(session.issueX509Svids({selector: {name: 'db'}, publicKeyDer: key, ttlMs: 0}), {code: 'ACCESS_DENIED'})
      await assert.rejects(session.issueX509Svids({selector: {name: 'nope'}, publicKeyDer: key, ttlMs: 0}), {
        code: 'NOT_FOUND', message: 'workload_identity "nope" not found',
      })
      await b.admin.updateBot({name: 'roles-bot', addRoles: ['db-issuer']})
      await assert.rejects(session.issueX509Svids({selector: {name: 'db'}, publicKeyDer: key, ttlMs: 0}), {code: 'ACCESS_DENIED'})
      const before = readFileSync(join(storage, 'identity.pem'), 'utf8')
      await session.renew()
      assert.notEqual(readFileSync(join(storage, 'identity.pem'), 'utf8'), before)
      assert.ok(session.identityExpiresAt().getTime() > Date.now() + 50 * 60_000)
      const [db] = await session.issueX509Svids({selector: {name: 'db'}, publicKeyDer: key, ttlMs: 0})
      assert.equal(db!.spiffeId, `spiffe://${CLUSTER}/svc/db`)
      await b.admin.updateBot({name: 'roles-bot', setRoles: ['db-issuer']})
      await assert.rejects(session.issueJwtSvids({selector: {name: 'api'}, audiences: ['a'], ttlMs: 0}), {code: 'ACCESS_DENIED'})
    })

    it('resumes from its stored identity without a token', async () => {
      const {storage} = await newBot('resume-bot', ['api-issuer'])
      const resumed = await open(storage)
      const [svid] = await resumed.issueJwtSvids({selector: {name: 'api'}, audiences: ['x'], ttlMs: 0})
      assert.equal(svid!.spiffeId, `spiffe://${CLUSTER}/svc/api`)
    })

    it('checks workload attributes against the identity rules', async () => {
      const {session} = await newBot('attrs-bot', ['api-issuer'])
      const key = p256().spki
      const [ok] = await session.issueX509Svids({
        selector: {name: 'uid-bound'}, publicKeyDer: key, ttlMs: 0, workloadAttrs: {unix: {attested: true, uid: 1000, pid: 42}},
      })
      assert.equal(ok!.spiffeId, `spiffe://${CLUSTER}/svc/uid-bound`)
      for (const workloadAttrs of [{unix: {attested: true, uid: 0}}, undefined]) {
        await assert.rejects(session.issueX509Svids({selector: {name: 'uid-bound'}, publicKeyDer: key, ttlMs: 0, ...(workloadAttrs ? {workloadAttrs} : {})}), {
          code: 'ACCESS_DENIED',
        })
      }
    })

    it('stops serving a deleted bot', async () => {
      const {session} = await newBot('gone-bot', ['api-issuer'])
      await b.admin.deleteBot('gone-bot')
      await assert.rejects(session.issueJwtSvids({selector: {name: 'api'}, audiences: ['a'], ttlMs: 0}), {
        code: 'ACCESS_DENIED', message: 'bot "gone-bot" no longer exists',
      })
      await assert.rejects(session.renew(), {code: 'ACCESS_DENIED', message: 'bot "gone-bot" no longer exists'})
    })

    it('refuses to issue a rendered SPIFFE ID longer than 2048 bytes (SPIFFE-ID.md §2.3), by name and by labels', async () => {
      await b.admin.createResources(parseResources(BY_LOGIN, 'by-login.yaml', {validateExpression}), {force: false})
      const join = async (name: string, login: string) => {
        const {token} = await b.admin.addBot({name, roles: ['login-issuer'], logins: [login]})
        return open(storageDir(), token.metadata.name)
      }
      const key = p256().spki
      const short = await join('short-login-bot', 'svc-a')
      const [ok] = await short.issueX509Svids({selector: {name: 'by-login'}, publicKeyDer: key, ttlMs: 0})
      assert.equal(ok!.spiffeId, `spiffe://${CLUSTER}/svc/svc-a`)

      const long = await join('long-login-bot', 'a'.repeat(3000))
      const bytes = `spiffe://${CLUSTER}/svc/`.length + 3000
      const refusal = {
        code: 'BAD_PARAMETER',
        message: `workload identity "by-login": the rendered SPIFFE ID is ${bytes} bytes long, ` +
          'longer than the 2048 bytes the SPIFFE standard allows (SPIFFE-ID.md §2.3)',
      }
      await assert.rejects(long.issueX509Svids({selector: {name: 'by-login'}, publicKeyDer: key, ttlMs: 0}), refusal)
      await assert.rejects(long.issueJwtSvids({selector: {labels: {team: ['login']}}, audiences: ['a'], ttlMs: 0}), refusal)
    })

    it('lets the admin issue any identity (the identity rules still apply)', async () => {
      const admin = await b.adminSession()
      sessions.push(admin)
      const creds = await admin.issueX509Svids({selector: {labels: {team: ['api', 'db']}}, publicKeyDer: p256().spki, ttlMs: 0})
      assert.deepEqual(creds.map((c) => c.workloadIdentityName).sort(), ['api', 'db'])
    })
  })
}
