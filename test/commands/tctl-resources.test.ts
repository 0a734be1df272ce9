/**
 * `tctl create`, `get` and `rm` in process, on a fresh data directory: the seed documents' steps,
 * create's overwrite rules, bad input (one clear line, exit 1, nothing written), and the stored state.
 */
import assert from 'node:assert/strict'
import {promises as fs, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {tempDir} from '../helpers/tmp.js'
import {localCluster, SEEDS, WI, type LocalCluster} from './harness.js'

describe('the seed documents, step by step', () => {
  it('AWS OIDC guide: workload identity, role, bots update --add-roles', async () => {
    const {dir, tctl} = await localCluster()
    let r = await tctl('bots', 'add', 'my-bot', '--roles=')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^The bot token: [0-9a-f]{32}\nThis token will expire in (59|60) minutes\.\n/)
    assert.equal(r.stderr, 'WARNING: No roles specified. The bot will not be able to produce outputs until a role is added to the bot.\n')

    await fs.writeFile(join(dir, 'workload-identity.yaml'), readFileSync(join(SEEDS, 'aws-workload-identity.yaml')))
    r = await tctl('create', '-f', join(dir, 'workload-identity.yaml'))
    assert.deepEqual(r, {code: 0, stdout: 'Workload Identity "example-workload-identity" has been created\n', stderr: ''})

    r = await tctl('create', '-f', join(SEEDS, 'aws-role.yaml'))
    assert.deepEqual(r, {code: 0, stdout: 'role "example-workload-identity-issuer" has been created\n', stderr: ''})

    r = await tctl('bots', 'update', 'my-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.deepEqual(r, {code: 0, stdout: '', stderr: 'Bot has been updated, roles will take effect on its next renewal\n'})

    r = await tctl('get', 'bot/my-bot')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^kind: bot\n/)
    assert.match(r.stdout, /\n {2}roles:\n {4}- example-workload-identity-issuer\n/)
    assert.match(r.stdout, /\n {2}user_name: bot-my-bot\n/)

    r = await tctl('get', 'workload_identity', '--format', 'text')
    assert.equal(r.stdout, 'Name                      SPIFFE ID\n------------------------- --------------------\nexample-workload-identity /svc/example-service\n')

    r = await tctl('bots', 'update', 'my-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.deepEqual(r, {code: 0, stdout: '', stderr: 'No changes requested, nothing to do\n'})
  })

  it('overview: workload identity with DNS SANs and unix rules, role with two labels', async () => {
    const {ok} = await localCluster()
    await ok('bots', 'add', 'my-bot')
    for (const f of ['overview-workload-identity.yaml', 'overview-role.yaml']) await ok('create', '-f', join(SEEDS, f))
    await ok('bots', 'update', 'my-bot', '--add-roles', 'payments-svid-issuer')
    const bot = JSON.parse(await ok('get', 'bot/my-bot', '--format', 'json'))
    assert.deepEqual(bot[0].spec.roles, ['payments-svid-issuer'])
    const wi = JSON.parse(await ok('get', 'workload_identity/payments-processor', '--format', 'json'))[0]
    assert.equal(wi.spec.rules.allow[0].conditions[0].eq.value, '1000')
  })
})

describe('tctl create semantics', () => {
  it('refuses to overwrite without -f (Teleport lines), overwrites with -f, and round-trips get output', async () => {
    const {dir, tctl, ok} = await localCluster()
    const file = join(dir, 'wi.yaml')
    await fs.writeFile(file, WI('a'))
    await ok('create', file)
    assert.deepEqual(await tctl('create', file), {code: 1, stdout: '', stderr: 'ERROR: use -f or --force flag to overwrite\n\tworkload_identity "a" already exists\n'})
    assert.equal(await ok('create', '-f', file), 'Workload Identity "a" has been created\n')
    // What get prints can be created again.
    const yaml = await ok('get', 'workload_identity/a')
    assert.match(yaml, /revision: [0-9a-f-]{36}\n/)
    await fs.writeFile(file, yaml)
    await ok('create', '-f', file)
  })

  it('checks every document before writing any: an existing one in document 2 writes nothing', async () => {
    const {dir, tctl, ok} = await localCluster()
    await fs.writeFile(join(dir, 'one.yaml'), WI('exists'))
    await ok('create', join(dir, 'one.yaml'))
    await fs.writeFile(join(dir, 'two.yaml'), WI('fresh') + '---\n' + WI('exists'))
    assert.equal((await tctl('create', join(dir, 'two.yaml'))).code, 1)
    assert.deepEqual(await tctl('get', 'workload_identity/fresh'), {code: 1, stdout: '', stderr: 'ERROR: workload_identity "fresh" not found\n'})
  })

  it('reads JSON; a second create -f updates a role; rm deletes it', async () => {
    const {dir, ok} = await localCluster()
    const doc = JSON.stringify({kind: 'role', version: 'v7', metadata: {name: 'r'}, spec: {allow: {workload_identity_labels: {'*': '*'}}}})
    await fs.writeFile(join(dir, 'role.json'), doc)
    assert.equal(await ok('create', join(dir, 'role.json')), 'role "r" has been created\n')
    assert.equal(await ok('create', '-f', join(dir, 'role.json')), 'role "r" has been updated\n')
    assert.equal(await ok('rm', 'role/r'), 'role "r" has been deleted\n')
  })
})

describe('bad input: one clear line, exit 1, no stack, nothing written', () => {
  const dir = tempDir()
  let c: LocalCluster
  before(async () => {
    c = await localCluster('example.teleport.sh', dir)
  })

  const cases: [string, string | Buffer, RegExp][] = [
    ['malformed YAML', 'kind: workload_identity\nmetadata: [unclosed\n', /^ERROR: .*bad\.yaml: document 1: /],
    ['unknown kind', 'kind: widget\nversion: v1\nmetadata: {name: x}\n', /^ERROR: .*bad\.yaml: document 1: .*creating resources of type "widget" is not supported$/],
    ['bad SPIFFE path', WI('x', 'svc/no-slash'), /^ERROR: .*bad\.yaml: document 1: spec\.spiffe\.id: must start with a \/$/],
    ['missing spec', 'kind: workload_identity\nversion: v1\nmetadata:\n  name: x\n', /^ERROR: .*bad\.yaml: document 1: spec: is required$/],
    ['missing name', 'kind: workload_identity\nversion: v1\nmetadata: {}\nspec:\n  spiffe:\n    id: /a\n', /^ERROR: .*bad\.yaml: document 1: metadata\.name: is required$/],
    ['name with a slash', WI('a/b'), /^ERROR: .*bad\.yaml: document 1: metadata\.name: /],
    ['name ..', WI('..'), /^ERROR: .*bad\.yaml: document 1: metadata\.name: /],
    ['unknown field', WI('x') + '  colour: blue\n', /^ERROR: .*bad\.yaml: document 1: spec: unknown field "colour"$/],
    ['error in document 3', WI('a') + '---\n' + WI('b') + '---\n' + WI('c', 'nope'), /^ERROR: .*bad\.yaml: document 3: spec\.spiffe\.id: must start with a \/$/],
    ['binary garbage', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe, 0, 0x80]), /^ERROR: .*bad\.yaml: .*not a text file/],
    ['10 MB file', 'x'.repeat(10 * 1024 * 1024), /^ERROR: .*bad\.yaml: file is too large/],
  ]
  for (const [title, content, expected] of cases) {
    it(title, async () => {
      const before = await fs.readdir(join(c.dataDir, 'resources'), {recursive: true})
      const file = join(c.dir, `bad.yaml`)
      await fs.writeFile(file, content)
      const r = await c.tctl('create', file)
      assert.equal(r.code, 1, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr)
      assert.match(r.stderr.trimEnd(), expected)
      assert.doesNotMatch(r.stderr, /\n\s+at /)
      assert.deepEqual(await fs.readdir(join(c.dataDir, 'resources'), {recursive: true}), before)
    })
  }

  it('a missing file, and --debug adds the stack', async () => {
    const r = await c.tctl('create', join(c.dir, 'nope.yaml'))
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `ERROR: ${join(c.dir, 'nope.yaml')}: no such file or directory\n`)
    const d = await c.tctl('create', join(c.dir, 'nope.yaml'), '--debug')
    assert.equal(d.code, 1)
    assert.match(d.stderr, /^ERROR: .*nope\.yaml: no such file or directory\nInputError: .*\n\s+at /)
  })

  it("rm and get refusals use Teleport's texts", async () => {
    assert.deepEqual(await c.tctl('rm', 'workload_identity'), {code: 1, stdout: '', stderr: 'ERROR: provide a full resource name to delete, for example:\n$ tctl rm cluster/east\n'})
    assert.deepEqual(await c.tctl('rm', 'widget/x'), {code: 1, stdout: '', stderr: 'ERROR: deleting resources of type "widget" is not supported\n'})
    assert.deepEqual(await c.tctl('get', 'workload_identity/ghost'), {code: 1, stdout: '', stderr: 'ERROR: workload_identity "ghost" not found\n'})
    assert.deepEqual(await c.tctl('get', 'widget'), {
      code: 1, stdout: '', stderr: 'ERROR: unsupported resource: "widget" - resources should be expressed as \'type/name\', for example \'role/admin\'\n',
    })
    assert.deepEqual(await c.tctl('get', 'role,bot', '--format', 'json'), {code: 1, stdout: '', stderr: 'ERROR: mixed resource types only support YAML formatting\n'})
  })
})

describe('stored state', () => {
  it('a hand-corrupted file is reported by name, not dropped', async () => {
    const {dir, dataDir, tctl, ok} = await localCluster()
    await fs.writeFile(join(dir, 'a.yaml'), WI('a'))
    await ok('create', join(dir, 'a.yaml'))
    await fs.writeFile(join(dataDir, 'resources/workload_identity/a.json'), '{"kind": "workload_identity", trunc')
    const r = await tctl('get', 'workload_identity')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERROR: stored resource .*workload_identity\/a\.json is not valid JSON/)
  })

  it('is private: directories 0700, files 0600', async () => {
    const {dataDir, ok} = await localCluster()
    await ok('bots', 'add', 'b')
    assert.equal(statSync(dataDir).mode & 0o777, 0o700)
    assert.equal(statSync(join(dataDir, 'resources/token')).mode & 0o777, 0o700)
    for (const f of readdirSync(join(dataDir, 'resources/token'))) assert.equal(statSync(join(dataDir, 'resources/token', f)).mode & 0o777, 0o600)
  })
})
