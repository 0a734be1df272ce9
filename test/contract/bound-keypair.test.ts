/**
 * bound_keypair joining, unchanged against the local data directory and the real server: a keypair
 * made ahead (`tbot keypair create`'s code), a join with no secret, a restart that joins again with
 * the key (not a recovery), a rotation once `rotate_after` has passed, the old state's copy refused
 * afterwards, a wrong key refused, the recovery limit, and registration with a registration secret.
 */
import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {validateExpression} from '../../src/lib/authz/expression/index.js'
import {dataDirPaths} from '../../src/lib/backend/local/data-dir.js'
import type {BotSession} from '../../src/lib/issuance/contract.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import type {ProvisionToken} from '../../src/lib/resources/types.js'
import {BOUND_KEYPAIR_FILE, createBoundKeypair} from '../../src/lib/tbot/bound-keypair.js'
import {DirectoryDestination} from '../../src/lib/tbot/destination.js'
import {BACKENDS, CLUSTER, scratch, type BackendUnderTest} from './backends.js'

const RESOURCES = `
kind: workload_identity
version: v1
metadata: {name: keypair-app, labels: {team: keypair}}
spec: {spiffe: {id: '/keypair/{{ join.meta.join_method }}'}}
---
kind: role
version: v6
metadata: {name: keypair-issuer}
spec: {allow: {workload_identity_labels: {team: [keypair]}, rules: [{resources: [workload_identity], verbs: [list, read]}]}}
---
kind: bot
version: v1
metadata: {name: keypair-bot}
spec: {roles: [keypair-issuer]}
`

function token(name: string, boundKeypair: string): string {
  return `kind: token\nversion: v2\nmetadata: {name: ${name}}\nspec: {roles: [Bot], bot_name: keypair-bot, join_method: bound_keypair, bound_keypair: ${boundKeypair}}\n`
}

const p256 = () => generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey.export({type: 'spki', format: 'der'})

for (const make of BACKENDS) {
  describe(`bound_keypair joining: ${make.name} backend`, () => {
    let b: BackendUnderTest
    let root: string
    const sessions: BotSession[] = []
    const storageDir = () => mkdtempSync(join(root, 'bot-'))
    const connect = async (storage: string, name: string, extra: Record<string, unknown> = {}) => {
      const s = await b.connectBot(storage, name, {join_method: 'bound_keypair', ...extra})
      sessions.push(s)
      return s
    }
    const closeNow = async (s: BotSession) => {
      sessions.splice(sessions.indexOf(s), 1)
      await s.close()
    }
    const keypair = async (storage: string) => (await createBoundKeypair(new DirectoryDestination(storage), false)).publicKey
    const status = async (name: string) => (await b.admin.getResource('token', name)).status?.bound_keypair
    const spiffeId = async (s: BotSession) => (await s.issueX509Svids({selector: {name: 'keypair-app'}, publicKeyDer: p256(), ttlMs: 600_000}))[0]!.spiffeId
    const load = (yaml: string) => b.admin.createResources(parseResources(yaml, 'keypair.yaml', {validateExpression}), {force: true})

    before(async () => {
      b = await make()
      root = scratch()
      await load(RESOURCES)
    })
    after(async () => {
      for (const s of sessions) await s.close()
      await b.close()
      rmSync(root, {recursive: true, force: true})
    })

    it('joins with no secret, joins again with the key after a restart, rotates, and refuses the old copy', async () => {
      const storage = storageDir()
      const publicKey = await keypair(storage)
      assert.match(publicKey, /^ssh-ed25519 [A-Za-z0-9+/]+=*$/)
      await load(token('keypair-token', `{onboarding: {initial_public_key: '${publicKey}'}}`))

      const first = await connect(storage, 'keypair-token')
      assert.equal(await spiffeId(first), `spiffe://${CLUSTER}/keypair/bound_keypair`)
      const joined = await status('keypair-token')
      assert.equal(joined?.bound_public_key, publicKey)
      assert.equal(joined?.recovery_count, 1)
      assert.ok(joined?.bound_bot_instance_id)
      await closeNow(first)

      // A restart with its identity still current: a join with the key, not a recovery.
      const restarted = await connect(storage, 'keypair-token')
      assert.equal(await spiffeId(restarted), `spiffe://${CLUSTER}/keypair/bound_keypair`)
      assert.equal((await status('keypair-token'))?.recovery_count, 1)
      assert.equal((await status('keypair-token'))?.bound_bot_instance_id, joined?.bound_bot_instance_id)

      const oldCopy = join(root, 'old-copy')
      cpSync(storage, oldCopy, {recursive: true})
      // `tctl edit`: the same token, status kept, with rotate_after now in the past.
      const current = await b.admin.getResource('token', 'keypair-token')
      const edited: ProvisionToken = {...current, spec: {...current.spec, bound_keypair: {...current.spec.bound_keypair!, rotate_after: new Date(Date.now() - 1000).toISOString()}}}
      await b.admin.createResources([edited], {force: true})

      await restarted.renew()
      const rotated = await status('keypair-token')
      assert.notEqual(rotated?.bound_public_key, publicKey)
      assert.ok(rotated?.last_rotated_at)
      assert.equal(rotated?.recovery_count, 1)
      assert.equal((await keypair(storage)), rotated?.bound_public_key, 'the bot keeps the new key')
      assert.equal(await spiffeId(restarted), `spiffe://${CLUSTER}/keypair/bound_keypair`)
      // Once rotated, later joins do not rotate again.
      await restarted.renew()
      assert.equal((await status('keypair-token'))?.bound_public_key, rotated?.bound_public_key)

      await assert.rejects(connect(oldCopy, 'keypair-token'), (err: Error & {code?: string}) => {
        assert.equal(err.code, 'ACCESS_DENIED')
        assert.match(err.message, /validating challenge response: bound public key: signature verification failed$/)
        return true
      })
      assert.equal((await status('keypair-token'))?.bound_public_key, rotated?.bound_public_key)
    })

    it('a wrong key is refused and nothing is written', async () => {
      const owner = storageDir()
      await load(token('keypair-wrong', `{onboarding: {initial_public_key: '${await keypair(owner)}'}}`))
      const intruder = storageDir()
      await keypair(intruder)
      await assert.rejects(connect(intruder, 'keypair-wrong'), {
        code: 'ACCESS_DENIED', message: 'joining the cluster failed: validating challenge response: bound public key: signature verification failed',
      })
      assert.equal(existsSync(join(intruder, 'identity.pem')), false)
      assert.equal((await status('keypair-wrong'))?.bound_public_key, undefined)
    })

    it('a join without the current identity is a recovery, refused past recovery.limit', async () => {
      const storage = storageDir()
      await load(token('keypair-limit', `{onboarding: {initial_public_key: '${await keypair(storage)}'}, recovery: {limit: 1}}`))
      await closeNow(await connect(storage, 'keypair-limit'))
      rmSync(join(storage, 'identity.pem'))
      await assert.rejects(connect(storage, 'keypair-limit'), {
        code: 'ACCESS_DENIED',
        message: 'joining the cluster failed: recovery limit exceeded: 1 of 1 recoveries used; raise spec.bound_keypair.recovery.limit to allow another',
      })
      const current = await b.admin.getResource('token', 'keypair-limit')
      await b.admin.createResources([{...current, spec: {...current.spec, bound_keypair: {...current.spec.bound_keypair!, recovery: {limit: 2, mode: 'standard'}}}}], {force: true})
      await connect(storage, 'keypair-limit')
      assert.equal((await status('keypair-limit'))?.recovery_count, 2)
    })

    it('registration_secret: a bot with no keypair registers one at its first join', async () => {
      await load(token('keypair-register', '{onboarding: {registration_secret: s3cret-value}}'))
      const wrong = storageDir()
      await assert.rejects(connect(wrong, 'keypair-register', {bound_keypair: {registration_secret: 'nope'}}), {
        code: 'ACCESS_DENIED', message: 'joining the cluster failed: a valid registration secret is required to register a public key',
      })
      assert.equal(existsSync(join(wrong, BOUND_KEYPAIR_FILE)), false)
      const storage = storageDir()
      const session = await connect(storage, 'keypair-register', {bound_keypair: {registration_secret: 's3cret-value'}})
      assert.equal(await spiffeId(session), `spiffe://${CLUSTER}/keypair/bound_keypair`)
      assert.equal((await status('keypair-register'))?.bound_public_key, await keypair(storage))
      assert.ok(!readFileSync(dataDirPaths(b.dataDir).auditLog, 'utf8').includes('s3cret-value'), 'the secret is never recorded')
      // A refused issuance decision is recorded too (Teleport records none: gravitational/teleport#54249).
      await assert.rejects(session.issueX509Svids({selector: {name: 'no-such-identity'}, publicKeyDer: p256(), ttlMs: 600_000}), {code: 'NOT_FOUND'})
      const lines = readFileSync(dataDirPaths(b.dataDir).auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      const denied = lines.find((l) => l['code'] === 'TSPIFFE000E' && l['name_selector'] === 'no-such-identity')
      assert.deepEqual({...denied, time: undefined, uid: undefined}, {
        event: 'spiffe.svid.issued', code: 'TSPIFFE000E', time: undefined, uid: undefined, success: false, svid_type: 'x509',
        user: 'bot-keypair-bot', name_selector: 'no-such-identity', attributes: {join: {meta: {join_method: 'bound_keypair', join_token_name: 'keypair-register'}}}, error: 'workload_identity "no-such-identity" not found',
      })
    })
  })
}
