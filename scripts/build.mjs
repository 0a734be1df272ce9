#!/usr/bin/env node
// Build: compile TypeScript, write the three oclif roots (their version must equal the package's,
// or oclif ignores the manifest), generate manifests so --help imports no command module, and build
// the native peer-credential addon when its source is present.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, {cwd: root, stdio: 'inherit', ...opts})

// A clean dist: compiled files of moved or deleted sources would otherwise linger (and run as tests).
rmSync(join(root, 'dist'), {recursive: true, force: true})
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])

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
for (const [bin, {description, topics}] of Object.entries(roots)) {
  const dir = join(root, 'clis', bin)
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: bin, version: pkg.version, description, type: 'module', private: true,
    files: ['oclif.manifest.json'],
    oclif: {bin, dirname: 'svidkit', commands: `../../dist/src/${bin}/commands`, topicSeparator: ' ', topics},
  }, null, 2) + '\n')
  if (existsSync(join(root, 'dist/src', bin, 'commands'))) {
    run(process.execPath, [join(root, 'node_modules/oclif/bin/run.js'), 'manifest', dir],
      {stdio: ['ignore', 'ignore', 'inherit'], env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}})
  }
}

const addon = join(root, 'native/peercred.c')
if (existsSync(addon)) {
  // Built here, not by a dependency's install script: gcc directly against Node's own headers
  // (about 75 ms: no python, no node-gyp, no download of headers).
  const include = join(dirname(dirname(process.execPath)), 'include/node')
  mkdirSync(join(root, 'native/build'), {recursive: true})
  run('gcc', ['-O2', '-shared', '-fPIC', '-I', include, addon, '-o', join(root, 'native/build/peercred.node')])
}
