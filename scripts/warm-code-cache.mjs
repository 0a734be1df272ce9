#!/usr/bin/env node
// `node scripts/warm-code-cache.mjs BIN`, run by the build: the code caches the build ships, each left
// by the bin shim's loader (src/cli/load-bundle.cts) at the exit of a real run: `BIN --help` writes
// the bundle's own cache (what lines with no command word use) and, for tctl, `get` on a throwaway
// local cluster writes get's (`init` and `create` make the cluster first, and leave theirs). Other
// commands write theirs at their first successful run. Output is the build's to discard.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = process.argv[2]
const bundleDir = join(root, 'dist/bundle')
const scratch = mkdtempSync(join(tmpdir(), 'svidkit-warm-'))
const run = (...argv) => execFileSync(process.execPath, [join(root, 'bin', `${bin}.js`), ...argv], {stdio: 'ignore', env: {...process.env, SVIDKIT_DATA_DIR: join(scratch, 'data')}})
try {
  for (const name of readdirSync(bundleDir)) {
    if (name.startsWith(`${bin}.`) && name.endsWith('.v8cache')) rmSync(join(bundleDir, name))
  }
  run('--help')
  if (bin === 'tctl') {
    const resource = join(scratch, 'wi.yaml')
    writeFileSync(resource, 'kind: workload_identity\nversion: v1\nmetadata:\n  name: warm\nspec:\n  spiffe:\n    id: /warm\n')
    run('init', '--cluster-name', 'warm.example')
    run('create', resource)
    run('get', 'workload_identity')
  }
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
