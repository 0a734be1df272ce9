#!/usr/bin/env node
// Runs every compiled *.test.js under dist/test with node's own test runner (its summary is what CI
// reads). Extra arguments narrow the run: `npm test -- unit/spiffe` runs files whose path contains it.
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const base = join(root, 'dist/test')
const walk = (dir) => readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
  e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [])
const filters = process.argv.slice(2)
const files = walk(base).sort().filter((f) => filters.length === 0 || filters.some((x) => relative(base, f).includes(x)))
if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
const env = {...process.env}
delete env.NODE_EXTRA_CA_CERTS // it adds ~70 ms to every spawned Node 20 process (it re-reads and parses the file at start)
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {stdio: 'inherit', env, cwd: root})
process.exit(r.status ?? 1)
