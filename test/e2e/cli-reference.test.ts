/**
 * The README's command reference is the one the commands generate (scripts/command-reference.mjs
 * --check), and shell completion works: `tctl autocomplete` and `tbot autocomplete` (oclif's
 * plugin) write bash functions that complete subcommands and flags in a real bash.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {cliEnv, REPO, run} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

function complete(setup: string, fn: string, words: readonly string[]): string[] {
  const script = `source ${JSON.stringify(setup)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE=${JSON.stringify(words.join(' '))}; ${fn}; printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = spawnSync('bash', ['-c', script], {encoding: 'utf8'})
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.split('\n').filter((l) => l !== '')
}

describe('command reference and completion', () => {
  it('README.md holds the command reference the commands generate', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts/command-reference.mjs'), '--check'], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
  })

  it('tctl and tbot autocomplete set up bash completion of commands and flags, each in its own cache', () => {
    const cache = tempDir()
    const env = cliEnv({XDG_CACHE_HOME: cache})
    for (const bin of ['tctl', 'tbot'] as const) {
      const r = run(bin, ['autocomplete', 'bash'], {env})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, new RegExp(`printf "\\$\\(${bin} autocomplete script bash\\)" >> ~/.bashrc`))
      const script = run(bin, ['autocomplete', 'script', 'bash'], {env})
      assert.match(script.stdout, new RegExp(`${bin.toUpperCase()}_AC_BASH_SETUP_PATH=${cache}/svidkit/${bin}/autocomplete/bash_setup`))
    }
    const tctlSetup = join(cache, 'svidkit/tctl/autocomplete/bash_setup')
    assert.deepEqual(complete(tctlSetup, '_tctl_autocomplete', ['tctl', 'workload-identity', 'te']), ['test'])
    assert.ok(complete(tctlSetup, '_tctl_autocomplete', ['tctl', 'workload-identity', 'test', '--att']).includes('--attributes-file'))
    const tbotSetup = join(cache, 'svidkit/tbot/autocomplete/bash_setup')
    assert.deepEqual(complete(tbotSetup, '_tbot_autocomplete', ['tbot', 'wa']), ['wait'])
  })
})
