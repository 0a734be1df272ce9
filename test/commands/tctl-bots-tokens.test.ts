/**
 * `tctl bots`, `tctl tokens` and `tctl status` in process: the text each prints, and the
 * `--format json|yaml` forms, which come from the same result.
 */
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {parse as parseYaml, parseAllDocuments} from 'yaml'
import {tempDir} from '../helpers/tmp.js'
import {localCluster, SEEDS, type LocalCluster} from './harness.js'

const TOKEN = /^[0-9a-f]{32}$/

describe('tctl bots and tokens', () => {
  const dir = tempDir()
  let c: LocalCluster
  before(async () => {
    c = await localCluster('example.teleport.sh', dir)
    await c.ok('create', join(SEEDS, 'aws-role.yaml'))
  })

  it('bots ls with no bots: a line of text, an empty JSON list', async () => {
    assert.deepEqual(await c.tctl('bots', 'ls'), {code: 0, stdout: 'No bots found\n', stderr: ''})
    assert.equal(await c.ok('bots', 'ls', '--format', 'json'), '[]\n')
  })

  it("bots add --format json: Teleport's four fields, token_ttl in nanoseconds", async () => {
    const r = await c.tctl('bots', 'add', 'my-bot', '--roles', 'example-workload-identity-issuer', '--format', 'json')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const added = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(added), ['user_name', 'role_name', 'token_id', 'token_ttl'])
    assert.equal(added.user_name, 'bot-my-bot')
    assert.equal(added.role_name, 'bot-my-bot')
    assert.match(added.token_id, TOKEN)
    assert.ok(added.token_ttl > 59 * 60e9 && added.token_ttl <= 3600e9, String(added.token_ttl))
    assert.equal(r.stdout, JSON.stringify(added, null, 2) + '\n')
  })

  it('bots ls: a table, and the bots as JSON', async () => {
    assert.equal(await c.ok('bots', 'ls'), [
      'Bot    User       Roles',
      '------ ---------- --------------------------------',
      'my-bot bot-my-bot example-workload-identity-issuer',
      '',
    ].join('\n'))
    const [bot] = JSON.parse(await c.ok('bots', 'ls', '--format', 'json'))
    assert.equal(bot.kind, 'bot')
    assert.deepEqual(bot.spec.roles, ['example-workload-identity-issuer'])
  })

  it('tokens add: text with the start command, or the token as JSON or YAML', async () => {
    const text = await c.ok('tokens', 'add', '--type=bot', '--bot-name=my-bot', '--value=text-token', '--ttl=30m')
    assert.match(text, /^The invite token: text-token\nThis token will expire in (29|30) minutes\.\n\n/)
    assert.ok(text.endsWith(`> tbot start workload-identity-x509 --data-dir=${c.dataDir} --token=text-token --destination=./svids --name-selector=NAME\n`), text)
    assert.ok(text.includes('Use it with "tctl bots add my-bot --token=text-token" or directly:\n'))

    const json = JSON.parse(await c.ok('tokens', 'add', '--type=bot', '--bot-name=my-bot', '--value=json-token', '--format', 'json'))
    assert.deepEqual([json.kind, json.version, json.metadata.name, json.spec], ['token', 'v2', 'json-token', {roles: ['Bot'], join_method: 'token', bot_name: 'my-bot'}])
    const yaml = await c.ok('tokens', 'add', '--type=bot', '--bot-name=my-bot', '--value=yaml-token', '--format', 'yaml')
    assert.match(yaml, /^kind: token\nmetadata:\n {2}expires: \S+\n {2}name: yaml-token\n {2}revision: \S+\nspec:\n {2}bot_name: my-bot\n {2}join_method: token\n {2}roles:\n {4}- Bot\nversion: v2\n$/)
  })

  it('tokens ls: a table, YAML documents, a JSON list', async () => {
    const lines = (await c.ok('tokens', 'ls')).split('\n')
    assert.match(lines[0]!, /^Token {28}Type Labels Expiry Time \(UTC\)$/)
    assert.match(lines[1]!, /^-{32} -{4} -{6} -{28}$/)
    const names = lines.slice(2, -1).map((l) => l.split(' ')[0]!)
    assert.deepEqual(names.filter((n) => !TOKEN.test(n)).sort(), ['json-token', 'text-token', 'yaml-token'])
    assert.equal(names.filter((n) => TOKEN.test(n)).length, 1, 'the join token bots add made')
    for (const row of lines.slice(2, -1)) assert.match(row, / Bot {9}\d{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2} UTC \((\d+h)?\d+m\d+s\)$/)
    const docs = parseAllDocuments(await c.ok('tokens', 'ls', '--format', 'yaml')).map((d) => d.toJS() as {metadata: {name: string}})
    assert.equal(docs.length, 4)
    const json = JSON.parse(await c.ok('tokens', 'ls', '--format', 'json')) as {metadata: {name: string}}[]
    assert.deepEqual(json.map((t) => t.metadata.name).sort(), docs.map((t) => t.metadata.name).sort())
  })

  it('tokens refuse other types and a bot token without a bot', async () => {
    assert.deepEqual(await c.tctl('tokens', 'add', '--type=node'), {code: 1, stdout: '', stderr: 'ERROR: unsupported token type "node": only "bot" tokens are supported\n'})
    assert.deepEqual(await c.tctl('tokens', 'add', '--type=bot'), {code: 1, stdout: '', stderr: 'ERROR: token with role "Bot" must set bot_name\n'})
    assert.deepEqual(await c.tctl('bots', 'update', 'ghost', '--add-roles', 'x'), {code: 1, stdout: '', stderr: 'ERROR: bot "ghost" not found\n'})
    assert.deepEqual(await c.tctl('bots', 'update', 'my-bot', '--add-roles', 'ghost'), {code: 1, stdout: '', stderr: 'ERROR: role ghost is not found\n'})
  })

  it('tokens rm and bots rm (which takes the bot\'s unused tokens with it)', async () => {
    assert.deepEqual(await c.tctl('tokens', 'rm', 'text-token'), {code: 0, stdout: 'Token text-token has been deleted.\n', stderr: ''})
    assert.deepEqual(await c.tctl('bots', 'rm', 'my-bot'), {code: 0, stdout: 'Bot "my-bot" deleted successfully.\n', stderr: ''})
    assert.deepEqual(await c.tctl('tokens', 'ls'), {code: 0, stdout: 'No active tokens found.\n', stderr: ''})
    assert.equal(await c.ok('tokens', 'ls', '--format', 'yaml'), '')
    assert.equal(await c.ok('tokens', 'ls', '--format', 'json'), '[]\n')
  })
})

describe('tctl status', () => {
  it('prints aligned lines, or the same status as JSON or YAML', async () => {
    const c = await localCluster()
    const text = await c.ok('status')
    assert.match(text, /^Cluster: {13}example\.teleport\.sh\nVersion: {13}\d+\.\d+\.\d+\nCA pin: {14}sha256:[0-9a-f]{64}\nWorkload identities: 0\nRoles: {15}0\nBots: {16}0\nJoin tokens: {9}0\n$/)
    const json = JSON.parse(await c.ok('status', '--format', 'json'))
    assert.deepEqual(Object.keys(json), ['clusterName', 'version', 'caPins', 'counts'])
    assert.equal(json.clusterName, 'example.teleport.sh')
    assert.equal(text.split('\n')[2], `CA pin:              ${json.caPins[0]}`)
    const yaml = await c.ok('status', '--format', 'yaml')
    assert.match(yaml, /^caPins:\n {2}- sha256:[0-9a-f]{64}\nclusterName: example\.teleport\.sh\ncounts:\n {2}bot: 0\n {2}role: 0\n {2}spiffe_federation: 0\n {2}token: 0\n {2}workload_identity: 0\nversion: /)
    assert.deepEqual(parseYaml(yaml), json)
  })
})
