/**
 * Issue "Foundation", end to end through the real `tctl` binary on a fresh data directory: the seed
 * documents' steps, concurrency, crash safety, and bad input.
 */
import assert from 'node:assert/strict'
import {promises as fs, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {cliEnv, REPO, run, start} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

const FIXTURES = join(REPO, 'test/fixtures/seeds')

function cluster() {
  const dir = tempDir()
  const env = cliEnv({SVIDKIT_DATA_DIR: join(dir, 'data')})
  const tctl = (...args: string[]) => run('tctl', args, {env})
  const init = tctl('init', '--cluster-name', 'example.teleport.sh')
  assert.equal(init.code, 0, init.stderr)
  return {dir, env, tctl, dataDir: join(dir, 'data')}
}

const WI = (name: string, id = `/svc/${name}`) => `kind: workload_identity\nversion: v1\nmetadata:\n  name: ${name}\n  labels:\n    example: getting-started\nspec:\n  spiffe:\n    id: ${id}\n`

describe('the seed documents, step by step', () => {
  it('AWS OIDC guide: workload identity, role, bots update --add-roles', async () => {
    const {dir, tctl} = cluster()
    let r = tctl('bots', 'add', 'my-bot', '--roles=')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^The bot token: [0-9a-f]{32}\nThis token will expire in (59|60) minutes\.\n/)

    await fs.writeFile(join(dir, 'workload-identity.yaml'), readFileSync(join(FIXTURES, 'aws-workload-identity.yaml')))
    r = tctl('create', '-f', join(dir, 'workload-identity.yaml'))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Workload Identity "example-workload-identity" has been created\n')

    r = tctl('create', '-f', join(FIXTURES, 'aws-role.yaml'))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'role "example-workload-identity-issuer" has been created\n')

    r = tctl('bots', 'update', 'my-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, 'Bot has been updated, roles will take effect on its next renewal\n')

    r = tctl('get', 'bot/my-bot')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^kind: bot\n/)
    assert.match(r.stdout, /\n {2}roles:\n {4}- example-workload-identity-issuer\n/)
    assert.match(r.stdout, /\n {2}user_name: bot-my-bot\n/)

    r = tctl('get', 'workload_identity', '--format', 'text')
    assert.equal(r.stdout, 'Name                      SPIFFE ID\n------------------------- --------------------\nexample-workload-identity /svc/example-service\n')

    r = tctl('bots', 'update', 'my-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.equal(r.code, 0)
    assert.equal(r.stderr, 'No changes requested, nothing to do\n')
  })

  it('overview: workload identity with DNS SANs and unix rules, role with two labels', () => {
    const {tctl} = cluster()
    tctl('bots', 'add', 'my-bot')
    for (const f of ['overview-workload-identity.yaml', 'overview-role.yaml']) {
      const r = tctl('create', '-f', join(FIXTURES, f))
      assert.equal(r.code, 0, r.stderr)
    }
    const r = tctl('bots', 'update', 'my-bot', '--add-roles', 'payments-svid-issuer')
    assert.equal(r.code, 0, r.stderr)
    const bot = JSON.parse(tctl('get', 'bot/my-bot', '--format', 'json').stdout)
    assert.deepEqual(bot[0].spec.roles, ['payments-svid-issuer'])
    const wi = JSON.parse(tctl('get', 'workload_identity/payments-processor', '--format', 'json').stdout)[0]
    assert.equal(wi.spec.rules.allow[0].conditions[0].eq.value, '1000')
  })
})

describe('tctl create semantics', () => {
  it('refuses to overwrite without -f (Teleport lines), overwrites with -f, and round-trips get output', async () => {
    const {dir, tctl} = cluster()
    const file = join(dir, 'wi.yaml')
    await fs.writeFile(file, WI('a'))
    assert.equal(tctl('create', file).code, 0)
    const again = tctl('create', file)
    assert.equal(again.code, 1)
    assert.equal(again.stderr, 'ERROR: use -f or --force flag to overwrite\n\tworkload_identity "a" already exists\n')
    const forced = tctl('create', '-f', file)
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(forced.stdout, 'Workload Identity "a" has been created\n')
    // What get prints can be created again.
    const yaml = tctl('get', 'workload_identity/a').stdout
    assert.match(yaml, /revision: [0-9a-f-]{36}\n/)
    await fs.writeFile(file, yaml)
    assert.equal(tctl('create', '-f', file).code, 0)
  })

  it('checks every document before writing any: an existing one in document 2 writes nothing', async () => {
    const {dir, tctl} = cluster()
    await fs.writeFile(join(dir, 'one.yaml'), WI('exists'))
    tctl('create', join(dir, 'one.yaml'))
    await fs.writeFile(join(dir, 'two.yaml'), WI('fresh') + '---\n' + WI('exists'))
    const r = tctl('create', join(dir, 'two.yaml'))
    assert.equal(r.code, 1)
    assert.equal(tctl('get', 'workload_identity/fresh').code, 1)
  })

  it('reads standard input and JSON', () => {
    const {tctl, env} = cluster()
    const doc = JSON.stringify({kind: 'role', version: 'v7', metadata: {name: 'r'}, spec: {allow: {workload_identity_labels: {'*': '*'}}}})
    const r = run('tctl', ['create'], {env, input: doc})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'role "r" has been created\n')
    const again = run('tctl', ['create', '-f', '-'], {env, input: doc})
    assert.equal(again.stdout, 'role "r" has been updated\n')
    assert.equal(tctl('rm', 'role/r').stdout, 'role "r" has been deleted\n')
  })
})

describe('bad input: one clear line, exit 1, no stack, nothing written', () => {
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
      const {dir, tctl, dataDir} = cluster()
      const before = await fs.readdir(join(dataDir, 'resources'))
      await fs.writeFile(join(dir, 'bad.yaml'), content)
      const r = tctl('create', join(dir, 'bad.yaml'))
      assert.equal(r.code, 1, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr)
      assert.match(r.stderr.trimEnd(), expected)
      assert.doesNotMatch(r.stderr, /\n\s+at /)
      assert.deepEqual(await fs.readdir(join(dataDir, 'resources')), before)
    })
  }

  it('a missing file, and --debug adds the stack', () => {
    const {dir, tctl} = cluster()
    const r = tctl('create', join(dir, 'nope.yaml'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERROR: .*nope\.yaml/)
    const d = tctl('create', join(dir, 'nope.yaml'), '--debug')
    assert.match(d.stderr, /\n\s+at /)
  })

  it('usage errors exit 2', () => {
    const {tctl} = cluster()
    assert.equal(tctl('get').code, 2)
    assert.equal(tctl('create', '--nope').code, 2)
    assert.equal(tctl('no-such-command').code, 2)
  })

  it('rm and get refusals use Teleport\'s texts', () => {
    const {tctl} = cluster()
    assert.equal(tctl('rm', 'workload_identity').stderr, 'ERROR: provide a full resource name to delete, for example:\n$ tctl rm cluster/east\n')
    assert.equal(tctl('rm', 'widget/x').stderr, 'ERROR: deleting resources of type "widget" is not supported\n')
    assert.equal(tctl('get', 'workload_identity/ghost').stderr, 'ERROR: workload_identity "ghost" not found\n')
    assert.equal(tctl('bots', 'update', 'my-bot', '--add-roles', 'ghost').code, 1)
  })
})

describe('concurrency and crash safety', () => {
  it('32 tctl create processes at once on distinct resources: all 32 are stored', async () => {
    const {dir, env, tctl} = cluster()
    await Promise.all(Array.from({length: 32}, (_, i) => fs.writeFile(join(dir, `wi-${i}.yaml`), WI(`wi-${i}`))))
    const procs = Array.from({length: 32}, (_, i) => start('tctl', ['create', join(dir, `wi-${i}.yaml`)], {env}))
    const results = await Promise.all(procs.map((p) => p.done))
    for (const r of results) assert.equal(r.code, 0, r.stderr)
    const listed = JSON.parse(tctl('get', 'workload_identity', '--format', 'json').stdout) as {metadata: {name: string}}[]
    assert.equal(listed.length, 32)
    assert.deepEqual(listed.map((w) => w.metadata.name).sort(), Array.from({length: 32}, (_, i) => `wi-${i}`).sort())
  })

  it('SIGKILL in the middle of writes leaves every stored resource readable', async () => {
    const {dir, env, tctl, dataDir} = cluster()
    const docs = Array.from({length: 3000}, (_, i) => WI(`k-${i}`)).join('---\n')
    await fs.writeFile(join(dir, 'many.yaml'), docs)
    const p = start('tctl', ['create', join(dir, 'many.yaml')], {env})
    // Kill once some files have landed (or after a bounded wait).
    const wiDir = join(dataDir, 'resources', 'workload_identity')
    for (let i = 0; i < 400; i++) {
      const n = await fs.readdir(wiDir).then((f) => f.length, () => 0)
      if (n > 50) break
      await new Promise((r) => setTimeout(r, 10))
    }
    p.child.kill('SIGKILL')
    const killed = await p.done
    assert.equal(killed.signal, 'SIGKILL')
    const r = tctl('get', 'workload_identity', '--format', 'json')
    assert.equal(r.code, 0, r.stderr)
    const stored = JSON.parse(r.stdout) as unknown[]
    const files = (await fs.readdir(wiDir)).filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    assert.equal(stored.length, files.length)
    // The lock the dead process held does not block the next writer.
    await fs.writeFile(join(dir, 'after.yaml'), WI('after'))
    assert.equal(tctl('create', join(dir, 'after.yaml')).code, 0)
  })

  it('a hand-corrupted file is reported by name, not dropped', async () => {
    const {dir, tctl, dataDir} = cluster()
    await fs.writeFile(join(dir, 'a.yaml'), WI('a'))
    tctl('create', join(dir, 'a.yaml'))
    await fs.writeFile(join(dataDir, 'resources/workload_identity/a.json'), '{"kind": "workload_identity", trunc')
    const r = tctl('get', 'workload_identity')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERROR: stored resource .*workload_identity\/a\.json is not valid JSON/)
  })

  it('state is private: directories 0700, files 0600', () => {
    const {tctl, dataDir} = cluster()
    tctl('bots', 'add', 'b')
    assert.equal(statSync(dataDir).mode & 0o777, 0o700)
    assert.equal(statSync(join(dataDir, 'resources/token')).mode & 0o777, 0o700)
    for (const f of readdirSync(join(dataDir, 'resources/token'))) assert.equal(statSync(join(dataDir, 'resources/token', f)).mode & 0o777, 0o600)
  })
})
