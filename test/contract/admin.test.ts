/**
 * The admin contract (AdminApi), run unchanged against the local data directory and the real server:
 * the same results, the same typed errors with the same messages, the same state on disk.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {parseResources} from '../../src/lib/resources/parse.js'
import {validateExpression} from '../../src/lib/authz/expression/index.js'
import type {Resource} from '../../src/lib/resources/types.js'
import {BACKENDS, CLUSTER, VERSION, type BackendUnderTest} from './backends.js'

const WI = (name: string, labels = 'team: a') =>
  `kind: workload_identity\nversion: v1\nmetadata:\n  name: ${name}\n  labels: {${labels}}\nspec:\n  spiffe:\n    id: /svc/${name}\n`
const ROLE = (name: string, labels = "team: ['a']") =>
  `kind: role\nversion: v6\nmetadata:\n  name: ${name}\nspec:\n  allow:\n    workload_identity_labels: {${labels}}\n    rules:\n      - resources: [workload_identity]\n        verbs: [list, read]\n`

function docs(text: string): Resource[] {
  return parseResources(text, 'contract.yaml', {validateExpression})
}

/** What is stored, read straight from the data directory (not through the backend under test). */
async function stored(b: BackendUnderTest) {
  return b.rawStore()
}

for (const make of BACKENDS) {
  describe(`admin contract: ${make.name.replace('Backend', '')} backend`, () => {
    let b: BackendUnderTest
    before(async () => {
      b = await make()
    })
    after(() => b.close())

    it('status names the cluster, its version and CA pin, and counts resources', async () => {
      const before = await b.admin.status()
      assert.equal(before.clusterName, CLUSTER)
      assert.equal(before.version, VERSION)
      assert.equal(before.caPins.length, 1)
      assert.match(before.caPins[0]!, /^sha256:[0-9a-f]{64}$/)
      await b.admin.createResources(docs(WI('status-wi')), {force: false})
      const now = await b.admin.status()
      assert.equal(now.counts.workload_identity, before.counts.workload_identity + 1)
      assert.equal(now.counts.role, (await b.admin.listResources('role')).length)
    })

    it('creates, refuses to overwrite without force, overwrites with force, gets, lists and deletes', async () => {
      assert.deepEqual(await b.admin.createResources(docs(WI('crud-wi') + '---\n' + ROLE('crud-role')), {force: false}), [
        {kind: 'workload_identity', name: 'crud-wi', action: 'created'},
        {kind: 'role', name: 'crud-role', action: 'created'},
      ])
      await assert.rejects(b.admin.createResources(docs(ROLE('crud-role')), {force: false}), {
        name: 'AlreadyExistsError', code: 'ALREADY_EXISTS', message: 'use -f or --force flag to overwrite\n\trole "crud-role" already exists',
      })
      assert.deepEqual(await b.admin.createResources(docs(ROLE('crud-role', "team: ['b']")), {force: true}), [
        {kind: 'role', name: 'crud-role', action: 'updated'},
      ])
      const role = await b.admin.getResource('role', 'crud-role')
      assert.deepEqual(role.spec.allow?.workload_identity_labels, {team: ['b']})
      assert.match(role.metadata.revision ?? '', /^[0-9a-f-]{36}$/)
      const listed = await b.admin.listResources('role')
      assert.deepEqual(listed.find((r) => r.metadata.name === 'crud-role'), role)
      assert.deepEqual(listed.map((r) => r.metadata.name), [...listed.map((r) => r.metadata.name)].sort())
      await b.admin.deleteResource('workload_identity', 'crud-wi')
      await assert.rejects(b.admin.getResource('workload_identity', 'crud-wi'), {
        name: 'NotFoundError', code: 'NOT_FOUND', message: 'workload_identity "crud-wi" not found',
      })
      await assert.rejects(b.admin.deleteResource('role', 'no-such-role'), {code: 'NOT_FOUND', message: 'role no-such-role is not found'})
      assert.equal(await (await stored(b)).get('workload_identity', 'crud-wi'), undefined)
    })

    it('applies a batch all or nothing', async () => {
      await b.admin.createResources(docs(WI('batch-existing')), {force: false})
      await assert.rejects(b.admin.createResources(docs(WI('batch-new') + '---\n' + WI('batch-existing')), {force: false}), {code: 'ALREADY_EXISTS'})
      assert.equal(await (await stored(b)).get('workload_identity', 'batch-new'), undefined)
    })

    it('adds a bot with a fresh single-use token, and refuses duplicates and unknown roles', async () => {
      await b.admin.createResources(docs(ROLE('bot-role')), {force: false})
      const {bot, token} = await b.admin.addBot({name: 'contract-bot', roles: ['bot-role'], logins: ['root']})
      assert.deepEqual(bot.spec.roles, ['bot-role'])
      assert.deepEqual(bot.spec.traits, [{name: 'logins', values: ['root']}])
      assert.deepEqual(bot.status, {user_name: 'bot-contract-bot', role_name: 'bot-contract-bot'})
      assert.match(token.metadata.name, /^[0-9a-f]{32}$/)
      assert.deepEqual(token.spec, {roles: ['Bot'], join_method: 'token', bot_name: 'contract-bot'})
      const ttlMs = Date.parse(token.metadata.expires!) - Date.now()
      assert.ok(ttlMs > 55 * 60_000 && ttlMs <= 60 * 60_000, `token ttl ${ttlMs}`)
      assert.deepEqual(await b.admin.getResource('token', token.metadata.name), await (await stored(b)).get('token', token.metadata.name))
      await assert.rejects(b.admin.addBot({name: 'contract-bot', roles: []}), {code: 'ALREADY_EXISTS', message: 'bot "contract-bot" already exists'})
      await assert.rejects(b.admin.addBot({name: 'ghost-bot', roles: ['ghost']}), {code: 'NOT_FOUND', message: 'role ghost is not found'})
      assert.equal(await (await stored(b)).get('bot', 'ghost-bot'), undefined)
    })

    it('adds a bot with an existing token, and checks the token', async () => {
      const token = await b.admin.addToken({type: 'bot', botName: 'token-bot', ttlMs: 10 * 60_000, value: 'contract-token-value'})
      assert.equal(token.metadata.name, 'contract-token-value')
      await assert.rejects(b.admin.addBot({name: 'other-bot', roles: [], tokenName: 'contract-token-value'}), {
        code: 'BAD_PARAMETER', message: 'token "contract-token-value" is valid for bot with name "token-bot", not "other-bot"',
      })
      await assert.rejects(b.admin.addBot({name: 'token-bot', roles: [], tokenName: 'missing'}), {
        code: 'BAD_PARAMETER', message: 'token with name "missing" not found, create the token or do not set TokenName',
      })
      const {token: used} = await b.admin.addBot({name: 'token-bot', roles: [], tokenName: 'contract-token-value'})
      assert.deepEqual(used, token)
    })

    it('updates a bot: set then add, no-op reported, unknown bot refused', async () => {
      await b.admin.createResources(docs(ROLE('upd-a') + '---\n' + ROLE('upd-b')), {force: false})
      await b.admin.addBot({name: 'upd-bot', roles: ['upd-a']})
      const r = await b.admin.updateBot({name: 'upd-bot', setRoles: ['upd-b'], addRoles: ['upd-a'], addLogins: ['ubuntu']})
      assert.equal(r.changed, true)
      assert.deepEqual(r.bot.spec.roles, ['upd-b', 'upd-a'])
      assert.deepEqual(r.bot.spec.traits, [{name: 'logins', values: ['ubuntu']}])
      assert.deepEqual(await b.admin.getResource('bot', 'upd-bot'), r.bot)
      const same = await b.admin.updateBot({name: 'upd-bot', addRoles: ['upd-a']})
      assert.equal(same.changed, false)
      await assert.rejects(b.admin.updateBot({name: 'upd-bot', addRoles: ['nope']}), {code: 'NOT_FOUND', message: 'role nope is not found'})
      await assert.rejects(b.admin.updateBot({name: 'nobody', addRoles: []}), {code: 'NOT_FOUND', message: 'bot "nobody" not found'})
    })

    it('removes a bot with its unused tokens', async () => {
      const {token} = await b.admin.addBot({name: 'rm-bot', roles: []})
      await b.admin.deleteBot('rm-bot')
      const store = await stored(b)
      assert.equal(await store.get('bot', 'rm-bot'), undefined)
      assert.equal(await store.get('token', token.metadata.name), undefined)
      await assert.rejects(b.admin.deleteBot('rm-bot'), {code: 'NOT_FOUND', message: 'bot "rm-bot" not found'})
    })

    it('adds, lists and deletes tokens', async () => {
      const token = await b.admin.addToken({type: 'bot', botName: 'later-bot'})
      const ttlMs = Date.parse(token.metadata.expires!) - Date.now()
      assert.ok(ttlMs > 25 * 60_000 && ttlMs <= 30 * 60_000, `token ttl ${ttlMs}`)
      assert.ok((await b.admin.listResources('token')).some((t) => t.metadata.name === token.metadata.name))
      await b.admin.deleteResource('token', token.metadata.name)
      await assert.rejects(b.admin.getResource('token', token.metadata.name), {code: 'NOT_FOUND', message: `token "${token.metadata.name}" not found`})
    })

    it('refuses a join token TTL that is not positive or is over 48h, writing nothing (item 9)', async () => {
      const tokensBefore = (await b.admin.listResources('token')).length
      const refusals: Array<[number, string]> = [
        [0, 'join token TTL: must be positive, got 0s'],
        [1_000_000 * 3_600_000, 'join token TTL: 1000000h0m0s exceeds the maximum TTL allowed (48h0m0s)'],
        [48 * 3_600_000 + 1000, 'join token TTL: 48h0m1s exceeds the maximum TTL allowed (48h0m0s)'],
      ]
      for (const [ttlMs, message] of refusals) {
        await assert.rejects(b.admin.addToken({type: 'bot', botName: 'ttl-bot', ttlMs}), {code: 'BAD_PARAMETER', message})
        await assert.rejects(b.admin.addBot({name: 'ttl-bot', roles: [], tokenTtlMs: ttlMs}), {code: 'BAD_PARAMETER', message})
      }
      // A negative TTL: the server's wire format refuses it before its backend does; the local backend says why.
      await assert.rejects(b.admin.addToken({type: 'bot', botName: 'ttl-bot', ttlMs: -5 * 60_000}), {code: 'BAD_PARAMETER'})
      const store = await stored(b)
      assert.equal((await store.list('token')).length, tokensBefore)
      assert.equal(await store.get('bot', 'ttl-bot'), undefined)
      const longest = await b.admin.addToken({type: 'bot', botName: 'ttl-bot', ttlMs: 48 * 3_600_000})
      const ttlMs = Date.parse(longest.metadata.expires!) - Date.now()
      assert.ok(ttlMs > 47 * 3_600_000 && ttlMs <= 48 * 3_600_000, `token ttl ${ttlMs}`)
    })

    it('refuses to delete a role that bots still hold, naming them; deletes it once it is free (item 11)', async () => {
      await b.admin.createResources(docs(ROLE('held-role') + '---\n' + ROLE('spare-role')), {force: false})
      await b.admin.addBot({name: 'holder-b', roles: ['held-role']})
      await b.admin.addBot({name: 'holder-a', roles: ['spare-role', 'held-role']})
      const hint = '; take it from them first with "tctl bots update <bot> --set-roles ..."'
      await assert.rejects(b.admin.deleteResource('role', 'held-role'), {
        code: 'BAD_PARAMETER', message: `failed to delete a role that is still in use by bots "holder-a", "holder-b"${hint}`,
      })
      assert.ok(await (await stored(b)).get('role', 'held-role'))
      await b.admin.updateBot({name: 'holder-a', setRoles: ['spare-role']})
      await assert.rejects(b.admin.deleteResource('role', 'held-role'), {
        code: 'BAD_PARAMETER', message: `failed to delete a role that is still in use by bot "holder-b"${hint}`,
      })
      await b.admin.deleteBot('holder-b')
      await b.admin.deleteResource('role', 'held-role')
      assert.equal(await (await stored(b)).get('role', 'held-role'), undefined)
    })

    it('refuses confusable and flag-like names for bots, tokens and created resources (item 12)', async () => {
      const start = 'must start with an ASCII letter, a digit, "_" or "@", not "-"'
      const alphabet = 'must contain only ASCII letters, digits and "-_.@:", found'
      const cyrillic = 'r\u043eot'
      const refusals: Array<[() => Promise<unknown>, string]> = [
        [() => b.admin.addBot({name: '-rf', roles: []}), `bot name "-rf": ${start}`],
        [() => b.admin.addBot({name: '--force', roles: []}), `bot name "--force": ${start}`],
        [() => b.admin.addBot({name: 'ｒｏｏｔ', roles: []}), `bot name "ｒｏｏｔ": ${alphabet} "ｒ" (U+FF52)`],
        [() => b.admin.addBot({name: cyrillic, roles: []}), `bot name "${cyrillic}": ${alphabet} "о" (U+043E)`],
        [() => b.admin.addToken({type: 'bot', botName: '*'}), `bot name "*": ${alphabet} "*" (U+002A)`],
        [() => b.admin.addToken({type: 'bot', botName: 'ok-bot', value: `${cyrillic}-token`}), `token value: ${alphabet} "о" (U+043E)`],
        [() => b.admin.createResources(docs(ROLE(cyrillic)), {force: false}), `role "${cyrillic}": metadata.name: ${alphabet} "о" (U+043E)`],
        [() => b.admin.createResources(docs(WI('--force')), {force: false}), `workload_identity "--force": metadata.name: ${start}`],
      ]
      for (const [attempt, message] of refusals) await assert.rejects(attempt(), {code: 'BAD_PARAMETER', message})
      const store = await stored(b)
      for (const kind of ['bot', 'role', 'workload_identity'] as const) {
        assert.deepEqual((await store.list(kind)).map((r) => r.metadata.name).filter((n) => !/^[A-Za-z0-9_@][A-Za-z0-9_.@:-]*$/.test(n)), [])
      }
    })

    it('refuses a workload identity whose literal SPIFFE ID cannot fit in 2048 bytes (item 10)', async () => {
      const long = docs(WI('long-id').replace('/svc/long-id', `/${'a'.repeat(3000)}`))
      await assert.rejects(b.admin.createResources(long, {force: false}), {
        code: 'BAD_PARAMETER',
        message: 'workload_identity "long-id": spec.spiffe.id: is 3001 bytes long, so its SPIFFE ID would be longer than 2048 bytes, ' +
          'the most the SPIFFE standard allows (SPIFFE-ID.md §2.3)',
      })
      assert.equal(await (await stored(b)).get('workload_identity', 'long-id'), undefined)
    })

    it('names with odd characters round-trip through the path', async () => {
      const name = 'odd name/with slash'
      await assert.rejects(b.admin.getResource('bot', name), {code: 'NOT_FOUND', message: `bot "${name}" not found`})
    })
  })
}
