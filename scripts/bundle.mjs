// One file per binary (dist/bundle/<bin>.cjs), for start-up: resolving and compiling some 700
// modules one by one was most of a command's time. esbuild bundles the compiled program with its
// dependencies; the bin shims load it with V8's code cache (src/cli/load-bundle.cts). Commands stay
// lazy: the bundle's COMMANDS map (oclif's explicit command discovery) loads a command's modules
// only when oclif reads its entry, and every dynamic import() is a lazy require inside the bundle.
import {build} from 'esbuild'
import {readdirSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {dirname, join, relative, sep} from 'node:path'

/** The oclif command id of each compiled command file under `dir` (oclif: `a/b/index.js` is `a:b`). */
export function commandFiles(dir) {
  const walk = (at) => readdirSync(at, {withFileTypes: true}).flatMap((entry) => {
    const path = join(at, entry.name)
    if (entry.isDirectory()) return walk(path)
    return entry.name.endsWith('.js') ? [path] : []
  })
  return walk(dir).map((file) => {
    const parts = relative(dir, file).slice(0, -'.js'.length).split(sep)
    if (parts.at(-1) === 'index') parts.pop()
    return {id: parts.join(':'), file}
  }).sort((a, b) => a.id.localeCompare(b.id))
}

/** Shell completion (`<bin> autocomplete`): oclif's plugin's commands, served as the binary's own. */
export const COMPLETION_COMMANDS = ['autocomplete', 'autocomplete:create', 'autocomplete:script']
// By path: the package exports only its index.
const completionLib = dirname(createRequire(import.meta.url).resolve('@oclif/plugin-autocomplete'))
const completionFile = (id) => join(completionLib, 'commands', ...id.split(':'), ...(id.includes(':') ? [] : ['index'])) + '.js'

function entrySource(root, bin, completion) {
  const commands = [
    ...commandFiles(join(root, 'dist/src', bin, 'commands')),
    ...(completion ? COMPLETION_COMMANDS.map((id) => ({id, file: completionFile(id)})) : []),
  ]
  const getters = commands.map(({id, file}) =>
    `  ${JSON.stringify(id)}: {enumerable: true, get: () => require(${JSON.stringify(file)}).default},`)
  return [
    `const cli = require(${JSON.stringify(join(root, 'dist/src/cli/run.js'))})`,
    'exports.run = cli.run',
    `Object.defineProperty(exports, 'startLean', {get: () => require(${JSON.stringify(join(root, 'dist/src/lib/idle-memory.js'))}).startLean})`,
    'exports.COMMANDS = Object.defineProperties({}, {',
    ...getters,
    '})',
    '',
  ].join('\n')
}

/** Package -> chunk, from the compiled loader (so after tsc has run). */
const vendorChunks = () => createRequire(import.meta.url)('../dist/src/cli/load-bundle.cjs').VENDOR_CHUNKS

// SVIDKIT_BUNDLE_MINIFY=0 builds readable bundles, for reading a stack trace or a profile.
const common = () => ({
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: process.env.SVIDKIT_BUNDLE_MINIFY !== '0', keepNames: true,
  // One-byte source: the loader reads it as latin1, with no UTF-8 decoding.
  charset: 'ascii',
  // import() inside the bundle becomes require(): a vm.Script has no module loader for import()
  // without an experimental flag, and everything the program imports is in the bundle.
  supported: {'dynamic-import': false},
  // import.meta.url, for the few modules that look for files above themselves (proto/, native/).
  define: {'import.meta.url': '__bundleUrl'},
  banner: {js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;"},
  // The vendor chunks are required at run time (src/cli/load-bundle.cts); oclif's TypeScript
  // support (development roots only) and pg's optional native driver are never bundled.
  external: [...Object.keys(vendorChunks()), 'typescript', 'pg-native'],
  logLevel: 'warning',
})

/**
 * ES modules have no require, so the compiled sources load CommonJS packages synchronously with
 * `createRequire(import.meta.url)('name')`, which esbuild leaves to Node. Written as `require('name')`
 * here, the package is bundled (or, for a vendor package, taken from its chunk) like any import.
 */
const moduleRequire = {
  name: 'module-require',
  setup(build) {
    build.onLoad({filter: /[\\/]dist[\\/]src[\\/].*\.js$/}, async ({path}) => {
      const text = await readFile(path, 'utf8')
      return {contents: text.replace(/createRequire\(import\.meta\.url\)\(('[^']+')\)/g, 'require($1)'), loader: 'js'}
    })
  },
}

/**
 * Start-up trims, measured by the cli bench:
 * - oclif's help renders every text it prints as an EJS template, compiling each with `new Function`
 *   (which no code cache keeps); a text without `<%` renders as itself, so only templates go to EJS.
 * - oclif sorts its commands with localeCompare at every start, which makes V8 load ICU's collation
 *   data (~3 MB of a long-running tbot's RSS); our ids are lowercase ASCII, in the same order by code
 *   unit, so the bundle compares them as plain strings.
 * - '@oclif/core' is served by its parts, each loaded when first read, instead of its index, which
 *   loads every part and checks the Node version with semver at load.
 * - 'debug' loads only when DEBUG is set: oclif makes a logger per namespace at load, and debug's Node
 *   side loads tty and net to choose colours, for output nobody sees otherwise.
 * - 'wsl-utils' is only asked isWsl (oclif's getPlatform, at every start): it comes from 'is-wsl', which
 *   wsl-utils re-exports, without wsl-utils' PowerShell helpers and their child_process.
 * - Packages oclif requires at load and a run rarely calls load at first use (LAZY_PACKAGES):
 *   tinyglobby and minimatch find plugins and command files by pattern (the explicit strategy never
 *   does), lilconfig reads oclif settings from rc files, ejs renders help templates (few texts are),
 *   cli-spinners is the spinners' frames (parsing them is most of what loading oclif's ux costs).
 * - oclif measures standard error's width, and picks its progress indicator by whether it is a
 *   terminal, at load, which makes Node open it (for a pipe, loading net); the bundle does both when
 *   they are first needed. oclif prints through the global console, whose first line checks standard
 *   error's colours too; the bundle gives it a console per stream (still ignoring a closed pipe, as the
 *   global one does), made when the stream is first printed to, with no colour checks: oclif formats
 *   its text itself.
 * - oclif's error handler requires its help module at load, for the help it prints after some usage
 *   errors: the bundle requires it there, when it is needed.
 * - supports-color checks whether stdout and stderr are terminals at load, with tty.isatty, which
 *   loads Node's tty and net; in the bundle it checks when a stream's colour is first asked for, by
 *   the stream's isTTY (as its own supportsColor(stream) does), which loads tty only for a terminal.
 *   chalk's own copy of it gives its default instances, which the bundle never uses
 *   (src/cli/colors.ts makes its own), no colour, without checking.
 * Node's own modules that most runs never call (tty, crypto, ...) load at first use too: the loader
 * serves them (LAZY_BUILTINS in src/cli/load-bundle.cts).
 */
const OCLIF_PARTS = {
  Command: "require('@oclif/core/command').Command", Flags: "require('@oclif/core/flags')",
  Args: "require('@oclif/core/args')", Errors: "require('@oclif/core/errors')",
  Config: "require('@oclif/core/config').Config", run: "require('@oclif/core/run').run",
  flush: "require('@oclif/core/flush').flush", ux: "require('@oclif/core/ux').ux",
}

/** Lines of packages, changed in the bundle (trims above). */
const PATCHES = [
  {file: '@oclif/core/lib/config/plugin.js', from: '.sort((a, b) => a.id.localeCompare(b.id))', to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))'},
  {file: '@oclif/core/lib/help/util.js', from: 'return ejs_1.default.render(t, context);', to: "return t.includes('<%') ? ejs_1.default.render(t, context) : t;"},
  {file: '@oclif/core/lib/screen.js', from: 'exports.errtermwidth = columns || termwidth(process.stderr);', to: "Object.defineProperty(exports, 'errtermwidth', {enumerable: true, get: () => columns || termwidth(process.stderr)});"},
  {
    file: '@oclif/core/lib/ux/index.js',
    from: "const ACTION_TYPE = (Boolean(process.stderr.isTTY) &&\n    !process.env.CI &&\n    !['dumb', 'emacs-color'].includes(process.env.TERM) &&\n    'spinner') ||\n    'simple';\nexports.action = ACTION_TYPE === 'spinner' ? new spinner_1.default() : new simple_1.default();\nexports.ux = {\n    action: exports.action,",
    to: "let action;\nconst getAction = () => (action ??= Boolean(process.stderr.isTTY) && !process.env.CI && !['dumb', 'emacs-color'].includes(process.env.TERM) ? new spinner_1.default() : new simple_1.default());\nObject.defineProperty(exports, 'action', {enumerable: true, get: getAction});\nexports.ux = {\n    get action() { return getAction(); },",
  },
  {
    file: '@oclif/core/lib/ux/write.js',
    from: 'const node_util_1 = require("node:util");',
    to: 'const node_util_1 = require("node:util");\nconst consoles = {};\nconst console = {log: (...a) => (consoles.out ??= new (require("node:console").Console)({stdout: process.stdout, colorMode: false})).log(...a), error: (...a) => (consoles.err ??= new (require("node:console").Console)({stdout: process.stderr, colorMode: false})).log(...a)};',
  },
  {file: '@oclif/core/lib/errors/handle.js', from: 'const index_1 = require("../help/index");', to: 'const index_1 = {get Help() { return require("../help/index").Help; }};'},
  {
    file: 'node_modules/supports-color/index.js',
    from: '\tstdout: getSupportLevel({isTTY: tty.isatty(1)}),\n\tstderr: getSupportLevel({isTTY: tty.isatty(2)})',
    to: '\tget stdout() { return getSupportLevel(process.stdout); },\n\tget stderr() { return getSupportLevel(process.stderr); }',
  },
]
const patchedFiles = new RegExp(`(${PATCHES.map(({file}) => file.replaceAll('.', '\\.').replaceAll('/', '[\\\\/]')).join('|')})$`)

const LAZY_PACKAGES = ['tinyglobby', 'minimatch', 'lilconfig', 'ejs', 'cli-spinners']

/**
 * An object that forwards to the package, required at its first use (as the loader's stand-ins for
 * Node's modules). `__esModule` is answered from the package itself, read here, as TypeScript's
 * import helpers ask it at load.
 */
const lazyPackage = ({real}) => `let loaded
const load = () => (loaded ??= require(${JSON.stringify(real)}))
module.exports = new Proxy({}, {get: (_, key) => (key === '__esModule' ? ${createRequire(import.meta.url)(real).__esModule === true} : load()[key]),
  has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => { const found = Reflect.getOwnPropertyDescriptor(load(), key); return found && {...found, configurable: true} }})`

/** The trimmed stand-ins, by the specifier they replace. */
const TRIMMED = {
  ...Object.fromEntries(LAZY_PACKAGES.map((name) => [name, lazyPackage])),
  'wsl-utils': () => "export {default as isWsl} from 'is-wsl'",
  '@oclif/core': () => `Object.defineProperties(exports, {${Object.entries(OCLIF_PARTS).map(([name, load]) => `${name}: {enumerable: true, get: () => ${load}}`).join(', ')}})`,
  '#supports-color': () => 'export default {stdout: false, stderr: false}',
  'debug': ({real}) => `const off = Object.assign(() => {}, {enabled: false, extend: () => off, log: () => {}})
module.exports = process.env.DEBUG ? require(${JSON.stringify(real)}) : Object.assign(() => off, {enable() {}, disable: () => '', enabled: () => false})`,
}

const startupTrims = {
  name: 'startup-trims',
  setup(build) {
    build.onLoad({filter: patchedFiles}, async ({path}) => {
      const {from, to} = PATCHES.find((patch) => path.replaceAll('\\', '/').endsWith(patch.file))
      const text = await readFile(path, 'utf8')
      if (!text.includes(from)) throw new Error(`${path}: no longer holds \`${from}\`; update scripts/bundle.mjs`)
      return {contents: text.replace(from, to), loader: 'js'}
    })
    build.onResolve({filter: /^(wsl-utils|@oclif\/core)$/}, ({path, resolveDir}) => ({path, namespace: 'trim', pluginData: {resolveDir}}))
    build.onResolve({filter: /^#supports-color$/}, ({path, importer, resolveDir}) =>
      (/[\\/]chalk[\\/]/.test(importer) ? {path, namespace: 'trim', pluginData: {resolveDir}} : undefined))
    // The stand-ins require the real package, so its CommonJS build, whatever the importer's syntax.
    build.onResolve({filter: new RegExp(`^(debug|${LAZY_PACKAGES.join('|')})$`), namespace: 'file'}, async ({path, resolveDir}) => {
      const real = await build.resolve(path, {resolveDir, kind: 'require-call', namespace: 'real'})
      return {path, namespace: 'trim', pluginData: {resolveDir, real: real.path}}
    })
    build.onLoad({filter: /.*/, namespace: 'trim'}, ({path, pluginData}) =>
      ({contents: TRIMMED[path](pluginData), loader: 'js', resolveDir: pluginData.resolveDir}))
  },
}

/** Bundles bin's program (and the completion commands when `completion`) into dist/bundle/<bin>.cjs. */
export async function bundleBinary(root, bin, completion) {
  const result = await build({
    ...common(),
    stdin: {contents: entrySource(root, bin, completion), resolveDir: root, sourcefile: `${bin}-entry.cjs`, loader: 'js'},
    outfile: join(root, 'dist/bundle', `${bin}.cjs`),
    plugins: [moduleRequire, startupTrims],
    metafile: true,
  })
  // What each package weighs in the bundle (esbuild's metafile), for the next trim.
  await writeFile(join(root, 'dist/bundle', `${bin}.meta.json`), JSON.stringify(result.metafile))
}

/** Each vendor chunk: its packages, requiring the other chunks' packages through the loader. */
export async function bundleVendorChunks(root) {
  const chunkOf = vendorChunks()
  const chunks = new Map()
  for (const [name, chunk] of Object.entries(chunkOf)) chunks.set(chunk, [...(chunks.get(chunk) ?? []), name])
  await Promise.all([...chunks].map(([chunk, packages]) => {
    const own = new Set(packages)
    // Side-effect packages (the polyfill) load first; the chunk exports the last one.
    const lines = packages.map((name, i) => `${i === packages.length - 1 ? 'module.exports = ' : ''}require(${JSON.stringify(name)})`)
    const options = common()
    return build({
      ...options,
      stdin: {contents: lines.join('\n'), resolveDir: root, sourcefile: `${chunk}-chunk.cjs`, loader: 'js'},
      outfile: join(root, 'dist/bundle/vendor', `${chunk}.cjs`),
      external: options.external.filter((name) => !own.has(name)),
    })
  }))
}
