#!/usr/bin/env node
// `node scripts/warm-code-cache.mjs BIN`, run by the build: the bundle's V8 code cache holds the
// functions one process compiled (src/cli/load-bundle.cts writes it at exit), and V8 reads all of it
// at every start, so one process runs what most starts run and no more: `--help` and, for tctl,
// `get` on a throwaway local cluster (made by other processes first, so their functions stay out).
// Output is the build's to discard.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = process.argv[2]
const binFile = join(root, 'bin', `${bin}.js`)
const cache = join(root, 'dist/bundle', `${bin}.v8cache`)
const scratch = mkdtempSync(join(tmpdir(), 'svidkit-warm-'))
process.env.SVIDKIT_DATA_DIR = join(scratch, 'data')
try {
  if (bin === 'tctl') {
    const resource = join(scratch, 'wi.yaml')
    writeFileSync(resource, 'kind: workload_identity\nversion: v1\nmetadata:\n  name: warm\nspec:\n  spiffe:\n    id: /warm\n')
    for (const argv of [['init', '--cluster-name', 'warm.example'], ['create', resource]]) {
      execFileSync(process.execPath, [binFile, ...argv], {stdio: 'ignore'})
    }
  }
  rmSync(cache, {force: true})
  const bundle = createRequire(import.meta.url)('../dist/src/cli/load-bundle.cjs').loadBinary(bin, binFile)
  const lines = bin === 'tctl' ? [['get', 'workload_identity'], ['--help']] : [['--help']]
  for (const argv of lines) await bundle.runCli(bin, argv, join(root, 'clis', bin, 'package.json'))
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
