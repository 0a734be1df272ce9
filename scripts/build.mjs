#!/usr/bin/env node
// Build: compile TypeScript; bundle each binary into one file (scripts/bundle.mjs) and write its
// oclif root (clis/<bin>, whose version must equal the package's or oclif ignores the manifest) with
// a manifest, so --help imports no command module; write the unbundled roots the in-process command
// tests run (dist/roots/<bin>); leave each bundle a V8 code cache; build the native peer-credential
// addon when its source is present.
import {execFileSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {bundleBinary, bundleVendorChunks} from './bundle.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, {cwd: root, stdio: 'inherit', ...opts})

// A clean dist: compiled files of moved or deleted sources would otherwise linger (and run as tests).
rmSync(join(root, 'dist'), {recursive: true, force: true})
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])
// The Workload API's and SDS's descriptors, pruned to what the services reach (dist/proto).
run(process.execPath, [join(root, 'scripts/gen-protos.mjs')])

const roots = {
  tctl: {description: 'Admin tool for the svidkit cluster', topics: {
    bots: {description: 'Operate on certificate renewal bots registered with the cluster.'},
    tokens: {description: 'List or add tokens.'},
    'workload-identity': {description: 'Issue and export workload identities and trust material.'},
    auth: {description: 'Operations with user and host certificate authorities.'},
  }},
  tbot: {description: 'Machine and workload identity agent', topics: {
    start: {description: 'Starts tbot, either with a config file or with one output or service.'},
    install: {description: 'Helper commands for installing Machine ID'},
  }},
  teleport: {description: 'The svidkit auth and proxy server', topics: {}},
}
/**
 * Shell completion (`<bin> autocomplete`) from oclif's plugin, for tctl and tbot (teleport only starts
 * the server): the bundles serve its commands as their own; the unbundled roots load it as a plugin,
 * which oclif does only when package.json also lists it as a dependency.
 */
const AUTOCOMPLETE = '@oclif/plugin-autocomplete'
const hasCompletion = (bin) => bin !== 'teleport'
const oclifRoot = (bin, {description, topics}, commands, extra = {}) => ({
  name: bin, version: pkg.version, description, type: 'module', private: true,
  ...extra,
  oclif: {bin, dirname: `svidkit/${bin}`, commands, topicSeparator: ' ', topics, ...extra.oclif},
})
const writeJson = (file, value) => {
  mkdirSync(dirname(file), {recursive: true})
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n')
}

await bundleVendorChunks(root)
for (const [bin, info] of Object.entries(roots)) {
  if (!existsSync(join(root, 'dist/src', bin, 'commands'))) continue
  await bundleBinary(root, bin, hasCompletion(bin))
  const dir = join(root, 'clis', bin)
  writeJson(join(dir, 'package.json'), oclifRoot(bin, info,
    {strategy: 'explicit', target: `../../dist/bundle/${bin}.cjs`, identifier: 'COMMANDS'}, {files: ['oclif.manifest.json']}))
  run(process.execPath, [join(root, 'node_modules/oclif/bin/run.js'), 'manifest', dir],
    {stdio: ['ignore', 'ignore', 'inherit'], env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}})
  // The same commands, compiled modules loaded one by one (the in-process tests share their classes).
  const unbundled = join(root, 'dist/roots', bin)
  const plugin = hasCompletion(bin) ? {dependencies: {[AUTOCOMPLETE]: pkg.dependencies[AUTOCOMPLETE]}, oclif: {plugins: [AUTOCOMPLETE]}} : {}
  writeJson(join(unbundled, 'package.json'), oclifRoot(bin, info, `../../src/${bin}/commands`, plugin))
  copyFileSync(join(dir, 'oclif.manifest.json'), join(unbundled, 'oclif.manifest.json'))
}

const addon = join(root, 'native/peercred.c')
if (existsSync(addon)) {
  // Built here, not by a dependency's install script: gcc directly against Node's own headers
  // (about 75 ms: no python, no node-gyp, no download of headers).
  const include = join(dirname(dirname(process.execPath)), 'include/node')
  mkdirSync(join(root, 'native/build'), {recursive: true})
  run('gcc', ['-O2', '-shared', '-fPIC', '-I', include, addon, '-o', join(root, 'native/build/peercred.node')])
}

// Each bundle's V8 code cache (scripts/warm-code-cache.mjs says from what), for the bins bundled above.
for (const bin of Object.keys(roots).filter((b) => existsSync(join(root, 'dist/bundle', `${b}.cjs`)))) {
  run(process.execPath, [join(root, 'scripts/warm-code-cache.mjs'), bin], {stdio: 'ignore'})
}
