/**
 * bound_keypair with the real binaries against `teleport start`: `tbot keypair create` prints the
 * public key (an authorized_keys line), a token names it, `tbot start --oneshot` joins with no
 * secret, runs again with the key (no recovery spent), rotates once `rotate_after` has passed, and a
 * copy of the bot's storage from before the rotation is refused without a stack.
 */
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {cpSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import type {ProvisionToken} from '../../src/lib/resources/types.js'
import {cliEnv, run, start} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

const CLUSTER = 'example.teleport.sh'
let server: TestServer
let admin: RemoteBackend

before(async () => {
  server = await startTestServer(CLUSTER)
  admin = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  await admin.createResources(parseResources(`
kind: workload_identity
version: v1
metadata: {name: edge, labels: {team: edge}}
spec: {spiffe: {id: '/edge/{{ join.meta.join_method }}'}}
---
kind: role
version: v6
metadata: {name: edge-issuer}
spec: {allow: {workload_identity_labels: {team: [edge]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
---
kind: bot
version: v1
metadata: {name: edge}
spec: {roles: [edge-issuer]}
`, 'seeds.yaml'), {force: false})
})
after(async () => {
  await admin.close()
  await server.stop()
})

function oneshot(storage: string, out: string) {
  const config = join(server.dir, `${out}.yaml`)
  writeFileSync(config, [
    'version: v2', `auth_server: ${server.addr}`, `onboarding: {join_method: bound_keypair, token: edge-token, ca_pins: ['${server.caPin}']}`,
    `storage: {type: directory, path: ${storage}}`,
    `services: [{type: workload-identity-x509, destination: {type: directory, path: ${join(server.dir, out)}}, selector: {name: edge}}]`, '',
  ].join('\n'))
  return start('tbot', ['start', '-c', config, '--oneshot'], {env: cliEnv()}).done
}

function svidUri(out: string): string {
  const pem = readFileSync(join(server.dir, out, 'svid.pem'), 'utf8')
  return /URI:(spiffe:\/\/[^\s,]+)/.exec(new X509Certificate(pem).subjectAltName ?? '')?.[1] ?? ''
}

describe('bound_keypair with the real binaries', () => {
  it('keypair create, a join with no secret, a restart, a rotation, and the old copy refused', async () => {
    const storage = join(server.dir, 'edge-storage')
    const created = run('tbot', ['keypair', 'create', '--storage', storage, '--proxy-server', server.addr], {env: cliEnv()})
    assert.equal(created.code, 0, created.stderr)
    const publicKey = created.stdout.split('\n').find((l) => l.startsWith('ssh-ed25519 ')) ?? ''
    assert.match(publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA[A-Za-z0-9+/]+=*$/)
    assert.ok(created.stdout.includes('spec.bound_keypair.onboarding.initial_public_key'))
    await admin.createResources(parseResources(`kind: token\nversion: v2\nmetadata: {name: edge-token}\n` +
      `spec: {roles: [Bot], bot_name: edge, join_method: bound_keypair, bound_keypair: {onboarding: {initial_public_key: '${publicKey}'}}}\n`, 'token.yaml'), {force: false})

    const first = await oneshot(storage, 'out1')
    assert.equal(first.code, 0, first.stderr)
    assert.equal(svidUri('out1'), `spiffe://${CLUSTER}/edge/bound_keypair`)
    const again = await oneshot(storage, 'out2')
    assert.equal(again.code, 0, again.stderr)
    assert.equal((await admin.getResource('token', 'edge-token')).status?.bound_keypair?.recovery_count, 1)

    const oldCopy = join(server.dir, 'edge-old')
    cpSync(storage, oldCopy, {recursive: true})
    const token = await admin.getResource('token', 'edge-token')
    const edited: ProvisionToken = {...token, spec: {...token.spec, bound_keypair: {...token.spec.bound_keypair!, rotate_after: new Date(Date.now() - 1000).toISOString()}}}
    await admin.createResources([edited], {force: true})
    const rotated = await oneshot(storage, 'out3')
    assert.equal(rotated.code, 0, rotated.stderr)
    const status = (await admin.getResource('token', 'edge-token')).status?.bound_keypair
    assert.notEqual(status?.bound_public_key, publicKey)
    assert.ok(status?.last_rotated_at)

    const refused = await oneshot(oldCopy, 'out4')
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /ERROR: .*validating challenge response: bound public key: signature verification failed/)
    assert.ok(!/\n\s+at /.test(refused.stderr))
    rmSync(oldCopy, {recursive: true, force: true})
  })
})
