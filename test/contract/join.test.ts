/**
 * Joining without a shared secret, run unchanged against the local data directory and the real
 * server: kubernetes (static_jwks), github and gitlab (static_jwks; the Actions runtime's token
 * endpoint over HTTPS), SVIDs templated from the join attributes, re-joining at renewal, the
 * `bot.join` audit records, and each refusal with Teleport's message and nothing written.
 */
import assert from 'node:assert/strict'
import {generateKeyPairSync, createHmac, createPublicKey} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {validateExpression} from '../../src/lib/authz/expression/index.js'
import {dataDirPaths} from '../../src/lib/backend/local/data-dir.js'
import {trustAlso} from '../../src/lib/join/remote-keys.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import type {BotSession} from '../../src/lib/issuance/contract.js'
import {gitlabClaims, mint, serviceAccountClaims, signingKey, startHttpsIssuer, type HttpsIssuer, type SigningKey} from '../helpers/join-issuer.js'
import {BACKENDS, CLUSTER, scratch, type BackendUnderTest} from './backends.js'

function resources(jwks: string): string {
  return `
kind: workload_identity
version: v1
metadata: {name: kubernetes, labels: {team: join}}
spec:
  spiffe: {id: '/{{ join.meta.join_method }}/{{ join.kubernetes.service_account.namespace }}'}
  rules: {allow: [{conditions: [{attribute: join.meta.join_method, eq: {value: kubernetes}}]}]}
---
kind: workload_identity
version: v1
metadata: {name: github, labels: {team: join}}
spec: {spiffe: {id: '/github/{{ join.github.repository }}'}}
---
kind: workload_identity
version: v1
metadata: {name: gitlab, labels: {team: join}}
spec: {spiffe: {id: '/gitlab/{{ join.gitlab.project_path }}'}}
---
kind: role
version: v6
metadata: {name: join-issuer}
spec: {allow: {workload_identity_labels: {team: [join]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
---
kind: bot
version: v1
metadata: {name: k8s-bot}
spec: {roles: [join-issuer]}
---
kind: bot
version: v1
metadata: {name: ci-bot}
spec: {roles: [join-issuer]}
---
kind: token
version: v2
metadata: {name: k8s-token}
spec:
  roles: [Bot]
  bot_name: k8s-bot
  join_method: kubernetes
  kubernetes: {type: static_jwks, static_jwks: {jwks: '${jwks}'}, allow: [{service_account: 'payments:processor'}]}
---
kind: token
version: v2
metadata: {name: github-token}
spec:
  roles: [Bot]
  bot_name: ci-bot
  join_method: github
  github: {static_jwks: '${jwks}', allow: [{repository: org/app, ref: refs/heads/main}]}
---
kind: token
version: v2
metadata: {name: gitlab-token}
spec:
  roles: [Bot]
  bot_name: ci-bot
  join_method: gitlab
  gitlab: {static_jwks: '${jwks}', allow: [{project_path: 'grp/*', ref_protected: true}]}
`
}

const p256 = () => generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey.export({type: 'spki', format: 'der'})

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url')
}

const PREFIX = 'joining the cluster failed: reviewing kubernetes token with static_jwks: '

for (const make of BACKENDS) {
  describe(`join methods: ${make.name} backend`, () => {
    let b: BackendUnderTest
    let root: string
    let key: SigningKey
    let issuer: HttpsIssuer
    const sessions: BotSession[] = []
    const tokenFile = () => join(root, 'sa-token')
    const storageDir = () => mkdtempSync(join(root, 'bot-'))
    const connect = async (storage: string, token: string, method: string) => {
      const s = await b.connectBot(storage, token, {join_method: method})
      sessions.push(s)
      return s
    }
    const k8sJoin = async (jwt: string, storage = storageDir()) => {
      writeFileSync(tokenFile(), jwt)
      return connect(storage, 'k8s-token', 'kubernetes')
    }
    const spiffeIdOf = async (s: BotSession, name: string) => (await s.issueX509Svids({selector: {name}, publicKeyDer: p256(), ttlMs: 600_000}))[0]!.spiffeId
    const auditLines = () => readFileSync(dataDirPaths(b.dataDir).auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)

    before(async () => {
      b = await make()
      root = scratch()
      key = await signingKey()
      issuer = await startHttpsIssuer(root, key, 'org/app')
      trustAlso([readFileSync(issuer.caFile, 'utf8')])
      process.env['KUBERNETES_TOKEN_PATH'] = tokenFile()
      await b.admin.createResources(parseResources(resources(JSON.stringify(key.jwks)), 'join.yaml', {validateExpression}), {force: false})
    })
    after(async () => {
      for (const s of sessions) await s.close()
      await issuer.close()
      await b.close()
      rmSync(root, {recursive: true, force: true})
      delete process.env['KUBERNETES_TOKEN_PATH']
    })

    it('kubernetes static_jwks: a pod-bound service-account token joins; SVIDs carry join.kubernetes.*; renewal joins again', async () => {
      const jwt = await mint(key, serviceAccountClaims(CLUSTER, 'payments', 'processor'))
      const session = await k8sJoin(jwt)
      assert.equal(await spiffeIdOf(session, 'kubernetes'), `spiffe://${CLUSTER}/kubernetes/payments`)
      await session.renew()
      assert.equal(await spiffeIdOf(session, 'kubernetes'), `spiffe://${CLUSTER}/kubernetes/payments`)
      const joins = auditLines().filter((l) => l['event'] === 'bot.join' && l['token_name'] === 'k8s-token' && l['success'] === true)
      assert.ok(joins.length >= 2)
      assert.deepEqual(joins[0]!['attributes'], {
        meta: {join_method: 'kubernetes', join_token_name: 'k8s-token'},
        kubernetes: {subject: 'system:serviceaccount:payments:processor', service_account: {namespace: 'payments', name: 'processor'}, pod: {name: 'processor-0'}},
      })
      assert.equal(joins[0]!['bot_name'], 'k8s-bot')
      assert.ok(!readFileSync(dataDirPaths(b.dataDir).auditLog, 'utf8').includes(jwt.split('.')[2]!), 'the credential is never recorded')
    })

    it('github: the Actions runtime token (asked for over HTTPS with its bearer) joins; the SVID ID comes from join.github.repository', async () => {
      process.env['ACTIONS_ID_TOKEN_REQUEST_URL'] = issuer.actionsUrl
      process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] = issuer.actionsBearer
      try {
        // The runtime's tokens name the enterprise issuer; static_jwks does not check `iss`.
        const session = await connect(storageDir(), 'github-token', 'github')
        assert.equal(await spiffeIdOf(session, 'github'), `spiffe://${CLUSTER}/github/org/app`)
        assert.ok(issuer.seenBearers.includes(`Bearer ${issuer.actionsBearer}`))
      } finally {
        delete process.env['ACTIONS_ID_TOKEN_REQUEST_URL']
        delete process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']
      }
    })

    it('gitlab: TBOT_GITLAB_JWT joins through a glob rule; outside the rules it is refused', async () => {
      process.env['TBOT_GITLAB_JWT'] = await mint(key, gitlabClaims('https://gitlab.example.com', CLUSTER, 'grp/service'))
      try {
        const session = await connect(storageDir(), 'gitlab-token', 'gitlab')
        assert.equal(await spiffeIdOf(session, 'gitlab'), `spiffe://${CLUSTER}/gitlab/grp/service`)
        process.env['TBOT_GITLAB_JWT'] = await mint(key, gitlabClaims('https://gitlab.example.com', CLUSTER, 'other/service'))
        const storage = storageDir()
        await assert.rejects(connect(storage, 'gitlab-token', 'gitlab'), {
          code: 'ACCESS_DENIED', message: 'joining the cluster failed: id token claims did not match any allow rules',
        })
        assert.equal(existsSync(join(storage, 'identity')), false)
      } finally {
        delete process.env['TBOT_GITLAB_JWT']
      }
    })

    describe('refusals: Teleport\'s message, nothing issued, nothing written', () => {
      const now = () => Math.floor(Date.now() / 1000)
      const good = () => serviceAccountClaims(CLUSTER, 'payments', 'processor')
      const publicPem = () => createPublicKey(key.privateKey).export({type: 'spki', format: 'pem'}) as string
      const cases: Array<[string, () => Promise<string>, string]> = [
        ['wrong audience', () => mint(key, {...good(), aud: ['elsewhere']}), `${PREFIX}validating jwt claims: validation failed, invalid audience claim (aud)`],
        ['expired', () => mint(key, {...good(), iat: now() - 900, exp: now() - 60}), `${PREFIX}validating jwt claims: validation failed, token is expired (exp)`],
        ['not yet valid beyond the leeway', () => mint(key, {...good(), nbf: now() + 60}), `${PREFIX}validating jwt claims: validation failed, token not valid yet (nbf)`],
        ['alg none', async () => `${b64url({alg: 'none', typ: 'JWT'})}.${b64url({...good(), iat: now(), exp: now() + 600})}.`,
          `${PREFIX}parsing jwt: unexpected signature algorithm "none"; expected ["RS256","RS384","RS512","PS256","PS384","PS512","ES256","ES384","ES512","EdDSA"]`],
        ['HS256 signed with the public key as the secret', async () => {
          const signingInput = `${b64url({alg: 'HS256', typ: 'JWT', kid: 'k1'})}.${b64url({...good(), iat: now(), exp: now() + 600})}`
          return `${signingInput}.${createHmac('sha256', publicPem()).update(signingInput).digest('base64url')}`
        }, `${PREFIX}parsing jwt: unexpected signature algorithm "HS256"; expected ["RS256","RS384","RS512","PS256","PS384","PS512","ES256","ES384","ES512","EdDSA"]`],
        ['unknown kid', async () => mint({...(await signingKey('k2'))}, good()), `${PREFIX}validating jwt signature: no applicable key found in the JSON Web Key Set`],
        ['bad signature', async () => {
          const other = await signingKey('k1')
          return mint(other, good())
        }, `${PREFIX}validating jwt signature: signature verification failed`],
        ['outside the allow rules', () => mint(key, serviceAccountClaims(CLUSTER, 'payments', 'intruder')), 'joining the cluster failed: kubernetes token did not match any allow rules'],
        ['not bound to a pod', () => mint(key, {...good(), 'kubernetes.io': {namespace: 'payments', serviceaccount: {name: 'processor'}}}),
          `${PREFIX}static_jwks joining requires the use of projected pod bound service account token`],
        ['a TTL over 30 minutes', () => mint(key, {...good(), iat: now(), exp: now() + 3600}),
          `${PREFIX}static_jwks joining requires the use of a service account token with a TTL of less than 30m0s`],
      ]
      for (const [name, jwt, message] of cases) {
        it(name, async () => {
          const storage = storageDir()
          await assert.rejects(k8sJoin(await jwt(), storage), (err: Error & {code?: string}) => {
            assert.equal(err.message, message)
            assert.ok(!/\n\s+at /.test(err.message))
            return true
          })
          assert.equal(existsSync(join(storage, 'identity')), false)
        })
      }

      it('a token resource for one method used with another', async () => {
        const storage = storageDir()
        process.env['TBOT_GITLAB_JWT'] = await mint(key, good())
        try {
          await assert.rejects(connect(storage, 'k8s-token', 'gitlab'), {
            code: 'ACCESS_DENIED',
            message: 'joining the cluster failed: this token is only valid for the kubernetes join method but the node has connected to the wrong endpoint, make sure your node is configured to use the kubernetes join method',
          })
        } finally {
          delete process.env['TBOT_GITLAB_JWT']
        }
        assert.equal(existsSync(join(storage, 'identity')), false)
      })

      it('each refused attempt is one bot.join record with its error', () => {
        const refused = auditLines().filter((l) => l['event'] === 'bot.join' && l['success'] === false && l['token_name'] === 'k8s-token')
        assert.ok(refused.length >= cases.length)
        assert.ok(refused.some((l) => l['error'] === 'kubernetes token did not match any allow rules' && l['bot_name'] === 'k8s-bot' && l['code'] === 'TJ001E'))
      })
    })
  })
}
