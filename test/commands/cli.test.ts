/**
 * What every command shares, in process: usage errors (exit 2, a pointer to --help), the one-line
 * error policy, `--format` in the help of each command that takes it, machine output that is the
 * command's returned data, and global flags written before the command.
 */
import {Config} from '@oclif/core'
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {stringify} from 'yaml'
import {sortKeysDeep} from '../../src/cli/output.js'
import {REPO} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'
import {localCluster, runCommand, runForData, SEEDS, type Bin, type LocalCluster} from './harness.js'

describe('usage errors exit 2 and point to --help', () => {
  const dir = tempDir()
  let c: LocalCluster
  before(async () => {
    c = await localCluster('example.teleport.sh', dir)
  })

  it('a missing argument, an unknown flag, a value not offered', async () => {
    assert.deepEqual(await c.tctl('get'), {
      code: 2, stdout: '', stderr: "ERROR: Missing 1 required arg:\nref  KIND[/NAME][,KIND2...] or all\nSee 'tctl get --help'.\n",
    })
    assert.deepEqual(await c.tctl('create', '--nope'), {code: 2, stdout: '', stderr: "ERROR: Nonexistent flag: --nope\nSee 'tctl create --help'.\n"})
    const r = await c.tctl('status', '--format', 'xml')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^ERROR: Expected --format=xml to be one of: text, json, yaml\n/)
    assert.ok(r.stderr.endsWith("See 'tctl status --help'.\n"), r.stderr)
  })

  it('an unknown command', async () => {
    assert.deepEqual(await c.tctl('no-such-command'), {code: 2, stdout: '', stderr: "ERROR: command no-such-command not found\nSee 'tctl --help'.\n"})
  })

  it('tctl init refuses a server, by flag or by $TELEPORT_AUTH_SERVER, and creates nothing', async () => {
    const dataDir = join(dir, 'never')
    const refused = `ERROR: "tctl init" creates a cluster in a local data directory and cannot run against --auth-server (or $TELEPORT_AUTH_SERVER); run it on the cluster's host\nSee 'tctl init --help'.\n`
    assert.deepEqual(await runCommand('tctl', ['init', '--cluster-name', 'x.example', '--auth-server', 'auth.example:3025'], {SVIDKIT_DATA_DIR: dataDir}), {code: 2, stdout: '', stderr: refused})
    assert.deepEqual(await runCommand('tctl', ['--auth-server', 'auth.example:3025', 'init'], {SVIDKIT_DATA_DIR: dataDir}), {code: 2, stdout: '', stderr: refused})
    assert.deepEqual(await runCommand('tctl', ['init'], {SVIDKIT_DATA_DIR: dataDir, TELEPORT_AUTH_SERVER: 'auth.example:3025'}), {code: 2, stdout: '', stderr: refused})
    assert.equal(existsSync(dataDir), false)
  })

  it('tctl init on an existing cluster says so, and sets a public address', async () => {
    assert.equal(await c.ok('init'), `Cluster "example.teleport.sh" already exists in ${c.dataDir}\n`)
    assert.equal(await c.ok('init', '--public-addr', 'id.example.com'), `Cluster "example.teleport.sh" in ${c.dataDir}: public address set to id.example.com\n`)
  })

  it('errors are one line; --debug (before or after the command) adds the stack', async () => {
    assert.deepEqual(await c.tctl('get', 'role/ghost'), {code: 1, stdout: '', stderr: 'ERROR: role ghost is not found\n'})
    for (const args of [['get', 'role/ghost', '--debug'], ['-d', 'get', 'role/ghost']]) {
      const r = await c.tctl(...args)
      assert.equal(r.code, 1)
      assert.match(r.stderr, /^ERROR: role ghost is not found\nNotFoundError: role ghost is not found\n\s+at /)
    }
  })

  it('version', async () => {
    const {version} = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}
    for (const bin of ['tctl', 'tbot', 'teleport'] as const) {
      assert.deepEqual(await runCommand(bin, ['version']), {code: 0, stdout: `${bin} ${version}\n`, stderr: ''})
    }
  })
})

describe('--format in --help', () => {
  for (const bin of ['tctl', 'tbot', 'teleport'] as const) {
    it(`shows for every ${bin} command that takes it, with its formats, and for no other`, async () => {
      const config = await Config.load(join(REPO, 'clis', bin, 'package.json'))
      const commands = config.commands.filter((cmd) => !cmd.hidden)
      assert.ok(commands.length > 0)
      for (const cmd of commands) {
        const help = await runCommand(bin as Bin, [...cmd.id.split(':'), '--help'])
        assert.equal(help.code, 0, help.stderr)
        const format = cmd.flags.format
        if (format === undefined) {
          assert.doesNotMatch(help.stdout, /--format/, `${bin} ${cmd.id}`)
          continue
        }
        assert.equal(format.hidden ?? false, false, `${bin} ${cmd.id}: --format is hidden`)
        const options = format.type === 'option' ? format.options ?? [] : []
        assert.ok(options.length > 0, `${bin} ${cmd.id}`)
        assert.ok(help.stdout.includes(`--format=<option>`), `${bin} ${cmd.id}:\n${help.stdout}`)
        assert.ok(help.stdout.includes(`<options: ${options.join('|')}>`), `${bin} ${cmd.id}:\n${help.stdout}`)
      }
    })
  }
})

describe('machine output is the data run() returns', () => {
  const dir = tempDir()
  let c: LocalCluster
  before(async () => {
    c = await localCluster('example.teleport.sh', dir)
    await c.ok('create', join(SEEDS, 'aws-role.yaml'))
    await c.ok('create', join(SEEDS, 'aws-workload-identity.yaml'))
    await c.ok('bots', 'add', 'my-bot', '--roles', 'example-workload-identity-issuer')
  })

  const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

  for (const args of [['status'], ['bots', 'ls'], ['tokens', 'ls']]) {
    it(`${args.join(' ')}: JSON and YAML are the returned value; text is its view`, async () => {
      const json = await runForData('tctl', [args.join(':'), '--format', 'json'], c.env)
      assert.equal(json.code, 0, json.stderr)
      assert.equal(json.stdout, JSON.stringify(json.data, null, 2) + '\n')
      if (args[0] !== 'bots') {
        const yaml = await runForData('tctl', [args.join(':'), '--format', 'yaml'], c.env)
        const value = asJson(yaml.data)
        const docs = Array.isArray(value) ? value : [value]
        assert.equal(yaml.stdout, docs.map((d) => stringify(sortKeysDeep(d), {lineWidth: 0})).join('---\n'))
      }
      const text = await runForData('tctl', [args.join(':')], c.env)
      assert.deepEqual(asJson(text.data), asJson(json.data))
      assert.doesNotMatch(text.stdout, /^[[{]/)
    })
  }

  it('get: the resources found (the kind asked for is only for the text table)', async () => {
    const r = await runForData('tctl', ['get', 'workload_identity', '--format', 'json'], c.env)
    const data = r.data as {kind: string; resources: unknown[]}
    assert.equal(data.kind, 'workload_identity')
    assert.equal(r.stdout, JSON.stringify(data.resources, null, 2) + '\n')
  })
})
