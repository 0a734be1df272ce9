#!/usr/bin/env node
// `npm run bench [-- --json FILE] [-- --only NAME]`: builds, then runs every bench/<area>.ts module
// (compiled to dist/bench) and prints each figure beside its limit measured in the same run.
import {execFileSync} from 'node:child_process'
import {readdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const jsonAt = args.indexOf('--json')
const jsonFile = jsonAt === -1 ? undefined : args[jsonAt + 1]
const onlyAt = args.indexOf('--only')
const only = onlyAt === -1 ? undefined : args[onlyAt + 1]
if (jsonAt !== -1 && !jsonFile) {
  console.error('usage: npm run bench -- [--json FILE] [--only AREA]')
  process.exit(2)
}
if (!args.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], {stdio: ['ignore', 'ignore', 'inherit']})

const dir = join(root, 'dist/bench')
const modules = readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'types.js' && !f.startsWith('_'))
  .filter((f) => !only || f.startsWith(only))
const figures = []
for (const file of modules.sort()) {
  const mod = await import(pathToFileURL(join(dir, file)).href)
  if (typeof mod.bench !== 'function') continue
  process.stderr.write(`bench ${file.replace(/\.js$/, '')} ...\n`)
  for (const f of await mod.bench()) {
    figures.push(f)
    const fmt = (n) => (n === undefined ? '' : n >= 100 ? Math.round(n).toString() : n.toFixed(n >= 10 ? 1 : 3))
    const limit = f.limit === undefined ? '' : `  limit ${fmt(f.limit)} ${f.unit}`
    const ratio = f.ratio === undefined ? '' : `  ratio ${f.ratio.toFixed(2)}`
    console.log(`${f.name.padEnd(48)} ${fmt(f.value).padStart(10)} ${f.unit}${limit}${ratio}${f.goal ? `  (goal: ${f.goal})` : ''}`)
  }
}
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(figures, null, 2) + '\n')
