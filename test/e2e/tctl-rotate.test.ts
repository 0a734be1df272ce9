/**
 * `tctl auth rotate` on the local backend, as the real binary: Teleport's lines for each phase and
 * for each refusal (phase order, unknown CA type, unknown phase, no --type), with the stored CA
 * state unchanged by a refusal; `tctl status` shows each CA's rotation.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {cliEnv, run} from '../helpers/cli.js'

let dataDir: string
const tctl = (...args: string[]) => run('tctl', args, {env: cliEnv({SVIDKIT_DATA_DIR: dataDir})})
const rotate = (...args: string[]) => tctl('auth', 'rotate', ...args)
const state = () => readFileSync(join(dataDir, 'ca', 'state.json'), 'utf8')

function refused(args: string[], message: string): void {
  const before = state()
  const r = rotate(...args)
  assert.equal(r.code, 1, r.stdout)
  assert.equal(r.stderr, `ERROR: ${message}\n`)
  assert.equal(state(), before, 'nothing changed')
}

let dir: string
before(() => {
  // Not tempDir(): in a before() hook its after() would run at once.
  dir = mkdtempSync(join(tmpdir(), 'svidkit-rotate-'))
  dataDir = join(dir, 'data')
  assert.equal(tctl('init', '--cluster-name', 'example.org').code, 0)
})

after(() => rmSync(dir, {recursive: true, force: true}))

describe('tctl auth rotate', () => {
  it('refuses out-of-order phases, unknown types and phases with Teleport\'s messages, changing nothing', () => {
    refused(['--type', 'spiffe', '--manual', '--phase', 'update_clients'], 'can only switch to phase update_clients from init, current phase is standby')
    refused(['--type', 'spiffe', '--manual', '--phase', 'update_servers'], 'can only switch to phase update_servers from update_clients, current phase is standby')
    refused(['--type', 'spiffe', '--manual', '--phase', 'rollback'], 'can not transition to phase "rollback" from "standby" phase.')
    refused(['--type', 'spiffe', '--manual', '--phase', 'standby'], 'can not transition to phase "standby" from "standby" phase.')
    refused(['--type', 'host', '--manual', '--phase', 'init'], '"host" authority type is not supported')
    refused(['--type', 'spiffe', '--manual', '--phase', 'later'], 'unsupported phase: "later"')
    refused(['--type', 'spiffe', '--grace-period', '0s'], 'invalid grace period "0s", provide value > 0')
    refused(['--manual', '--phase', 'init'],
      'required flag --type not provided; previous versions defaulted to --type=all which is deprecated and will be removed in a future version')
  })

  it('walks the manual phases with Teleport\'s success line, and tctl status follows', () => {
    assert.match(tctl('status').stdout, /^spiffe CA: +standby \(never rotated\)$/m)
    for (const phase of ['init', 'update_clients', 'update_servers']) {
      const r = rotate('--type', 'spiffe', '--manual', '--phase', phase)
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, `Updated rotation phase to "${phase}". To check status use 'tctl status'\n`)
    }
    assert.match(tctl('status').stdout, /^spiffe CA: +in progress \(mode: manual, phase: update_servers\)$/m)
    refused(['--type', 'spiffe', '--manual', '--phase', 'init'], 'can not initiate rotation while another is in progress')
    refused(['--type', 'spiffe', '--manual', '--phase', 'update_clients'], 'can only switch to phase update_clients from init, current phase is update_servers')
    assert.equal(rotate('--type', 'spiffe', '--manual', '--phase', 'standby').code, 0)
    assert.match(tctl('status').stdout, /^spiffe CA: +standby \(last rotated: [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC\)$/m)
    assert.match(tctl('status').stdout, /^bot CA: +standby \(never rotated\)$/m)
  })

  it('the semi-automatic form moves through the phases on its schedule', async () => {
    const r = rotate('--type', 'spiffe', '--grace-period', '6s')
    assert.equal(r.stdout, "Initiated certificate authority rotation. To check status use 'tctl status'\n")
    assert.match(tctl('status').stdout, /^spiffe CA: +in progress \(mode: automatic, phase: \w+, started: .+ UTC, ending: .+ UTC\)$/m)
    const seen = new Set<string>()
    for (let i = 0; i < 60 && !seen.has('standby'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const line = /^spiffe CA: +(.*)$/m.exec(tctl('status').stdout)![1]!
      seen.add(/phase: (\w+)/.exec(line)?.[1] ?? 'standby')
    }
    assert.ok(seen.has('standby'), [...seen].join(','))
  })
})
