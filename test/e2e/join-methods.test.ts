/**
 * Joining without a shared secret with the real binaries: the Workload Identity overview's own
 * tbot.yaml (only `proxy_server` and `listen` changed) joins a running `teleport start` through a
 * kubernetes `static_jwks` token with the service-account JWT in KUBERNETES_TOKEN_PATH, and
 * `tbot spiffe-inspect` on its socket shows the overview's SPIFFE ID; a GitHub Actions job run
 * faithfully (an HTTPS issuer with discovery, JWKS and the Actions token endpoint checking its
 * bearer, trusted through NODE_EXTRA_CA_CERTS) gets an SVID whose ID comes from
 * join.github.repository; GitLab likewise with TBOT_GITLAB_JWT; a wrong issuer is refused.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import {REPO, binPath, cliEnv, start} from '../helpers/cli.js'
import {gitlabClaims, mint, serviceAccountClaims, signingKey, startHttpsIssuer, type HttpsIssuer, type SigningKey} from '../helpers/join-issuer.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {waitFor} from './tbot-cluster.js'

const CLUSTER = 'example.teleport.sh'
let server: TestServer
let admin: RemoteBackend
let key: SigningKey
let issuer: HttpsIssuer
let issuerDir: string

const seed = (f: string) => readFileSync(join(REPO, 'test/fixtures/seeds', f), 'utf8')

before(async () => {
  key = await signingKey()
  issuerDir = mkdtempSync(join(tmpdir(), 'svidkit-issuer-'))
  issuer = await startHttpsIssuer(issuerDir, key, 'org/app')
  server = await startTestServer(CLUSTER, {env: {NODE_EXTRA_CA_CERTS: issuer.caFile}})
  admin = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  const jwks = JSON.stringify(key.jwks)
  const docs = [seed('overview-workload-identity.yaml'), seed('overview-role.yaml'), `
kind: bot
version: v1
metadata: {name: payments}
spec: {roles: [payments-svid-issuer]}
---
kind: token
version: v2
metadata: {name: my-bot-token}
spec:
  roles: [Bot]
  bot_name: payments
  join_method: kubernetes
  kubernetes: {type: static_jwks, static_jwks: {jwks: '${jwks}'}, allow: [{service_account: 'payments:processor'}]}
---
kind: workload_identity
version: v1
metadata: {name: ci, labels: {team: ci}}
spec: {spiffe: {id: '/github/{{ join.github.repository }}'}}
---
kind: workload_identity
version: v1
metadata: {name: ci-gitlab, labels: {team: ci}}
spec: {spiffe: {id: '/gitlab/{{ join.gitlab.project_path }}'}}
---
kind: role
version: v6
metadata: {name: ci-issuer}
spec: {allow: {workload_identity_labels: {team: [ci]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
---
kind: bot
version: v1
metadata: {name: ci}
spec: {roles: [ci-issuer]}
---
kind: token
version: v2
metadata: {name: github-token}
spec:
  roles: [Bot]
  bot_name: ci
  join_method: github
  github: {enterprise_server_host: '${issuer.host}', allow: [{repository: org/app, ref: refs/heads/main}]}
---
kind: token
version: v2
metadata: {name: gitlab-token}
spec:
  roles: [Bot]
  bot_name: ci
  join_method: gitlab
  gitlab: {domain: '${issuer.host}', allow: [{project_path: 'grp/*'}]}
`]
  await admin.createResources(parseResources(docs.join('---\n'), 'seeds.yaml'), {force: false})
})
after(async () => {
  await admin.close()
  await issuer.close()
  await server.stop()
  rmSync(issuerDir, {recursive: true, force: true})
})

function oneshot(dir: string, method: string, token: string, env: Record<string, string>, selector: string) {
  const config = join(server.dir, `${dir}.yaml`)
  writeFileSync(config, [
    'version: v2', `auth_server: ${server.addr}`, `onboarding: {join_method: ${method}, token: ${token}, ca_pins: ['${server.caPin}']}`,
    'storage: {type: memory}',
    `services: [{type: workload-identity-x509, destination: {type: directory, path: ${join(server.dir, dir)}}, selector: {name: ${selector}}}]`, '',
  ].join('\n'))
  return start('tbot', ['start', '-c', config, '--oneshot'], {env: {...cliEnv(env), NODE_EXTRA_CA_CERTS: issuer.caFile}}).done
}

function svidUri(dir: string): string {
  const pem = readFileSync(join(server.dir, dir, 'svid.pem'), 'utf8')
  return /URI:(spiffe:\/\/[^\s,]+)/.exec(new X509Certificate(pem).subjectAltName ?? '')?.[1] ?? ''
}

describe('join methods with the real binaries', () => {
  it("the overview's tbot.yaml joins through kubernetes static_jwks; spiffe-inspect shows its SPIFFE ID", async () => {
    const tokenPath = join(server.dir, 'sa-token')
    writeFileSync(tokenPath, await mint(key, serviceAccountClaims(CLUSTER, 'payments', 'processor')))
    chmodSync(server.dir, 0o755)
    const socket = join(server.dir, 'workload.sock')
    // The Workload Identity overview's tbot.yaml, as the document gives it.
    const yaml = readFileSync(join(REPO, 'test/fixtures/tbot/overview-tbot.yaml'), 'utf8')
    assert.ok(yaml.includes('join_method: kubernetes'))
    const config = join(server.dir, 'overview.yaml')
    writeFileSync(config, yaml.replace('example.teleport.sh:443', server.addr).replace('unix:///opt/machine-id/workload.sock', `unix://${socket}`))
    const bot = start('tbot', ['start', '-c', config, '--insecure'], {env: cliEnv({KUBERNETES_TOKEN_PATH: tokenPath})})
    try {
      await waitFor('the Workload API socket', () => (existsSync(socket) ? true : undefined), () => bot.output().stderr)
      chmodSync(socket, 0o777)
      // The overview's rules admit uid 1000 or gid 2000: inspect as that workload.
      const inspect = await new Promise<{code: number | null; out: string}>((resolve) => {
        const child = spawn(process.execPath, [binPath('tbot'), 'spiffe-inspect', '--path', `unix://${socket}`], {env: cliEnv(), uid: 1000, gid: 2000, cwd: '/'})
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        child.stderr.on('data', (d: Buffer) => (out += d.toString()))
        child.on('exit', (code) => resolve({code, out}))
      })
      assert.equal(inspect.code, 0, inspect.out)
      assert.ok(inspect.out.includes(`spiffe://${CLUSTER}/svc/payments/processor`), inspect.out)
    } finally {
      bot.child.kill('SIGTERM')
      await bot.done
    }
  })

  it('a GitHub Actions job: tbot --oneshot asks the Actions endpoint (with its bearer) and gets /github/<repository>', async () => {
    const r = await oneshot('gh', 'github', 'github-token', {ACTIONS_ID_TOKEN_REQUEST_URL: issuer.actionsUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.actionsBearer}, 'ci')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(svidUri('gh'), `spiffe://${CLUSTER}/github/org/app`)
    assert.ok(issuer.seenBearers.includes(`Bearer ${issuer.actionsBearer}`))
  })

  it('a GitHub job with a wrong bearer, and GitLab with a token from another issuer, are refused without a stack', async () => {
    const bad = await oneshot('gh-bad', 'github', 'github-token', {ACTIONS_ID_TOKEN_REQUEST_URL: issuer.actionsUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong'}, 'ci')
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /ERROR: joining the cluster failed: fetching https:\/\/127\.0\.0\.1:\d+\/actions\/id-token\?api-version=2\.0&audience=teleport\.cluster\.local: 401/)
    const jwt = await mint(key, gitlabClaims('https://gitlab.example.com', CLUSTER, 'grp/app'))
    const wrongIssuer = await oneshot('gl-bad', 'gitlab', 'gitlab-token', {TBOT_GITLAB_JWT: jwt}, 'ci-gitlab')
    assert.equal(wrongIssuer.code, 1)
    assert.ok(wrongIssuer.stderr.includes(`ERROR: joining the cluster failed: validating with oidc: oidc: id token issued by a different provider, expected "https://${issuer.host}" got "https://gitlab.example.com"`), wrongIssuer.stderr)
    assert.ok(!/\n\s+at /.test(bad.stderr + wrongIssuer.stderr))
  })

  it('GitLab: TBOT_GITLAB_JWT from the discovered issuer joins; the SVID ID comes from join.gitlab.project_path', async () => {
    const jwt = await mint(key, gitlabClaims(`https://${issuer.host}`, CLUSTER, 'grp/app'))
    const r = await oneshot('gl', 'gitlab', 'gitlab-token', {TBOT_GITLAB_JWT: jwt}, 'ci-gitlab')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(svidUri('gl'), `spiffe://${CLUSTER}/gitlab/grp/app`)
  })
})
