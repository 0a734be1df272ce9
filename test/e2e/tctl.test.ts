/**
 * What only the real `tctl` process shows: exit codes as the shell sees them, standard input,
 * colour by where the output goes (a pipe, NO_COLOR, FORCE_COLOR), many processes writing at once,
 * and a process killed mid-write. Everything else about the commands runs in process, in
 * test/commands/.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {binPath, cliEnv, run, start} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

function cluster() {
  const dir = tempDir()
  const env = cliEnv({SVIDKIT_DATA_DIR: join(dir, 'data')})
  const tctl = (...args: string[]) => run('tctl', args, {env})
  const init = tctl('init', '--cluster-name', 'example.teleport.sh')
  assert.equal(init.code, 0, init.stderr)
  return {dir, env, tctl, dataDir: join(dir, 'data')}
}

const WI = (name: string) => `kind: workload_identity\nversion: v1\nmetadata:\n  name: ${name}\nspec:\n  spiffe:\n    id: /svc/${name}\n`

describe('the tctl process', () => {
  it('exits 0, 1 (one line on stderr) and 2 (usage)', () => {
    const {tctl} = cluster()
    assert.equal(tctl('status').code, 0)
    assert.deepEqual(tctl('get', 'role/ghost'), {code: 1, signal: null, stdout: '', stderr: 'ERROR: role ghost is not found\n'})
    assert.equal(tctl('get').code, 2)
    assert.equal(tctl('no-such-command').code, 2)
  })

  it('reads standard input', () => {
    const {env} = cluster()
    const doc = JSON.stringify({kind: 'role', version: 'v7', metadata: {name: 'r'}, spec: {allow: {workload_identity_labels: {'*': '*'}}}})
    const r = run('tctl', ['create'], {env, input: doc})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'role "r" has been created\n')
    assert.equal(run('tctl', ['create', '-f', '-'], {env, input: doc}).stdout, 'role "r" has been updated\n')
  })
})

describe('colour: the ERROR: prefix and table headers', () => {
  const ESC = '\x1b['
  /** A table (get --format text prints its header even when empty) and an error, through the shell. */
  function both(env: NodeJS.ProcessEnv, pipe: string) {
    const tctl = `"${process.execPath}" "${binPath('tctl')}"`
    return spawnSync('sh', ['-c', `${tctl} get role --format text ${pipe}; ${tctl} get role/ghost ${pipe}`], {env, encoding: 'utf8'})
  }
  const colourEnv = (extra: Record<string, string | undefined>) => {
    const {dataDir} = cluster()
    return cliEnv({SVIDKIT_DATA_DIR: dataDir, NO_COLOR: undefined, FORCE_COLOR: undefined, ...extra})
  }

  it('none through a pipe: tctl ... 2>&1 | cat', () => {
    const r = both(colourEnv({}), '2>&1 | cat')
    assert.equal(r.stdout, 'Role Workload Identity Labels Rules\n---- ------------------------ -----\nERROR: role ghost is not found\n')
    assert.ok(!r.stdout.includes(ESC))
  })

  it('none with NO_COLOR=1, even with FORCE_COLOR=1', () => {
    const r = both(colourEnv({NO_COLOR: '1', FORCE_COLOR: '1'}), '')
    assert.equal(r.stdout, 'Role Workload Identity Labels Rules\n---- ------------------------ -----\n')
    assert.equal(r.stderr, 'ERROR: role ghost is not found\n')
  })

  it('with FORCE_COLOR=1: a red ERROR: on stderr, bold headers on stdout', () => {
    const r = both(colourEnv({FORCE_COLOR: '1'}), '')
    assert.equal(r.stdout, `${ESC}1mRole${ESC}22m ${ESC}1mWorkload Identity Labels${ESC}22m ${ESC}1mRules${ESC}22m\n---- ------------------------ -----\n`)
    assert.equal(r.stderr, `${ESC}31mERROR:${ESC}39m role ghost is not found\n`)
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
    // Kill once some files have landed (polling the directory, or after a bounded wait).
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
})
