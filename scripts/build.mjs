#!/usr/bin/env node
// Build: compile TypeScript, write the three oclif roots (their version must equal the package's,
// or oclif ignores the manifest), generate manifests so --help imports no command module, and build
// the native peer-credential addon when its source is present.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, {cwd: root, stdio: 'inherit', ...opts})

// A clean dist: compiled files of moved or deleted sources would otherwise linger (and run as tests).
rmSync(join(root, 'dist'), {recursive: true, force: true})
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])
vendorOclif()

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
 * the server). oclif loads a root's plugins only when its package.json also lists them as dependencies.
 */
const AUTOCOMPLETE = '@oclif/plugin-autocomplete'
const completion = (bin) => (bin === 'teleport' ? {} : {plugins: [AUTOCOMPLETE]})
for (const [bin, {description, topics}] of Object.entries(roots)) {
  const dir = join(root, 'clis', bin)
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: bin, version: pkg.version, description, type: 'module', private: true,
    files: ['oclif.manifest.json'],
    ...(bin === 'teleport' ? {} : {dependencies: {[AUTOCOMPLETE]: pkg.dependencies[AUTOCOMPLETE]}}),
    oclif: {bin, dirname: `svidkit/${bin}`, commands: `../../dist/src/${bin}/commands`, topicSeparator: ' ', topics, ...completion(bin)},
  }, null, 2) + '\n')
  if (existsSync(join(root, 'dist/src', bin, 'commands'))) {
    run(process.execPath, [join(root, 'node_modules/oclif/bin/run.js'), 'manifest', dir],
      {stdio: ['ignore', 'ignore', 'inherit'], env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}})
  }
}

/**
 * Start-up: @oclif/core is some 160 CommonJS files (itself, semver, minimatch, ...); resolving and
 * loading them one by one is most of a CLI's start. It is bundled here into one ESM file, and every
 * compiled import of '@oclif/core' (src, tests, bench) is pointed at it, so one copy is loaded in one
 * read. TypeScript (which oclif loads only for uncompiled development roots) stays outside.
 */
function vendorOclif() {
  const out = join(root, 'dist/vendor/oclif-core.js')
  // Named exports, as the package's own ESM interface has them (its entry is CommonJS).
  const names = Object.keys(createRequire(import.meta.url)('@oclif/core')).filter((n) => n !== 'default' && n !== '__esModule')
  const entry = join(root, 'dist/vendor/oclif-core-entry.mjs')
  mkdirSync(dirname(entry), {recursive: true})
  writeFileSync(entry, `import core from '@oclif/core'\nexport const {${names.join(', ')}} = core\nexport default core\n`)
  run(join(root, 'node_modules/.bin/esbuild'), [
    entry, '--bundle', '--platform=node', '--format=esm', '--target=node20',
    '--external:typescript', `--outfile=${out}`, '--log-level=warning',
    // esbuild's ESM output needs a require for the CommonJS it wraps.
    "--banner:js=import {createRequire as __svidkitRequire} from 'node:module'; const require = __svidkitRequire(import.meta.url);",
  ])
  for (const file of compiledFiles(join(root, 'dist'))) {
    const text = readFileSync(file, 'utf8')
    if (!text.includes('@oclif/core')) continue
    let target = relative(dirname(file), out)
    if (!target.startsWith('.')) target = `./${target}`
    writeFileSync(file, text.replace(/(['"])@oclif\/core\1/g, `$1${target}$1`))
  }
  rmSync(entry)
}

function compiledFiles(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'vendor' ? [] : compiledFiles(path)
    return entry.name.endsWith('.js') ? [path] : []
  })
}

const addon = join(root, 'native/peercred.c')
if (existsSync(addon)) {
  // Built here, not by a dependency's install script: gcc directly against Node's own headers
  // (about 75 ms: no python, no node-gyp, no download of headers).
  const include = join(dirname(dirname(process.execPath)), 'include/node')
  mkdirSync(join(root, 'native/build'), {recursive: true})
  run('gcc', ['-O2', '-shared', '-fPIC', '-I', include, addon, '-o', join(root, 'native/build/peercred.node')])
}
