/**
 * What the bin shims run: the binary's whole program is one CommonJS file, dist/bundle/<bin>.cjs
 * (scripts/bundle.mjs), compiled here with a V8 code cache beside it (one per command word), so a
 * start neither resolves hundreds of modules nor compiles the functions that ran last time. The
 * build writes some (scripts/warm-code-cache.mjs); when V8 refuses a cache (another Node, other
 * flags) or it is missing, the run compiles normally and, if it succeeds, leaves a fresh one behind
 * when the directory is writable. Node 22's module.enableCompileCache does the same for any module;
 * this works on Node 20 too.
 *
 * The module is registered in require's cache under its own path, so oclif's explicit command
 * discovery (clis/<bin>/package.json: `require(dist/bundle/<bin>.cjs).COMMANDS`) gets this instance.
 */
import fs = require('node:fs')
import path = require('node:path')
import url = require('node:url')
import vm = require('node:vm')

// The CommonJS module class, as this module's own constructor: require('node:module') would load
// parts of the ES module loader too, which no start needs.
const Module = module.constructor as typeof import('node:module')

interface BundleExports {
  run(bin: string, binUrl: string): Promise<void>
  /** src/lib/idle-memory.ts */
  readonly startLean: () => void
}

interface RunOptions {
  /** A long-lived process: V8 set for a small idle footprint (src/lib/idle-memory.ts) before the command runs. */
  readonly lean?: boolean
}

/**
 * Large packages few commands (or few moments of a run) use, each bundled apart in
 * dist/bundle/vendor/<chunk>.cjs with its own code cache, so a command reads and compiles them only
 * when it requires them. Package -> chunk. A chunk exports its last package; reflect-metadata, the
 * polyfill @peculiar/x509 needs, loads first.
 */
const VENDOR_CHUNKS: Readonly<Record<string, string>> = {
  'undici': 'undici',
  'pg': 'pg',
  'reflect-metadata': 'x509',
  '@peculiar/x509': 'x509',
  '@grpc/grpc-js': 'grpc-js',
  '@grpc/proto-loader': 'proto-loader',
  'jose': 'jose',
  'prom-client': 'prom-client',
  're2js': 're2js',
}

type RequireFunction = NodeJS.Require

/**
 * Runs the command line with dist/bundle/<bin>.cjs, as bin/<bin>.js. V8's flags change only after the
 * bundle has loaded: changed before, they would make V8 refuse its code cache.
 */
function runBundled(bin: string, binFile: string, options: RunOptions = {}): Promise<void> {
  const bundle = loadBinary(bin, binFile, options.lean === true ? undefined : process.argv[2])
  if (options.lean === true) bundle.startLean()
  return bundle.run(bin, url.pathToFileURL(binFile).href)
}

/**
 * The binary's bundle, loaded with the code cache of the command line's first word. V8 reads a whole
 * cache at every start, so each command word (`get`, `bots`, `help`) has its own, holding what that
 * command ran: <bin>.<word>.v8cache, written by the first run of it that succeeds. A line with no
 * command word (`--help`, nothing) and a lean run (whose changed flags never leave a cache) use the
 * bundle's own, <bin>.v8cache.
 */
function loadBinary(bin: string, binFile: string, firstArg?: string): BundleExports {
  const bundleDir = path.join(path.dirname(binFile), '..', 'dist', 'bundle')
  const cacheName = firstArg !== undefined && COMMAND_WORD.test(firstArg) ? `${bin}.${firstArg}` : bin
  return loadBundle(path.join(bundleDir, `${bin}.cjs`), path.join(bundleDir, `${cacheName}.v8cache`), chunkRequire(bundleDir)) as BundleExports
}

/** A command or topic name as oclif's are: never a flag, a path or a value with spaces. */
const COMMAND_WORD = /^[a-z][a-z0-9-]*$/

/**
 * Node's modules that the bundle's code requires at load and most runs never call, or call late: each
 * require of one gets a stand-in that loads it at first use. tty (which loads net) is what colour
 * checks load, crypto what most of the library imports; each costs a start some 3 ms.
 */
const LAZY_BUILTINS = new Set(['child_process', 'crypto', 'net', 'perf_hooks', 'readline', 'tty'])

/** The require a bundle sees: a vendor package from its chunk, anything else from Node. */
function chunkRequire(bundleDir: string): (file: string) => RequireFunction {
  const chunks = new Map<string, unknown>()
  const chunk = (name: string): unknown => {
    if (!chunks.has(name)) {
      const file = path.join(bundleDir, 'vendor', `${name}.cjs`)
      chunks.set(name, loadBundle(file, file.replace(/\.cjs$/, '.v8cache'), requireFor))
    }
    return chunks.get(name)
  }
  const standIns = new Map<string, object>()
  const requireFor = (file: string): RequireFunction => {
    const nodeRequire = Module.createRequire(file)
    const vendorRequire = (id: string): unknown => {
      const name = VENDOR_CHUNKS[id]
      if (name !== undefined) return chunk(name)
      const builtin = id.replace(/^node:/, '')
      if (!LAZY_BUILTINS.has(builtin)) return nodeRequire(id)
      if (!standIns.has(builtin)) standIns.set(builtin, loadOnFirstUse(() => nodeRequire(builtin) as object))
      return standIns.get(builtin)
    }
    return Object.assign(vendorRequire, {resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions})
  }
  return requireFor
}

/** An object that forwards to the module `load` returns, loaded when first read. */
function loadOnFirstUse(load: () => object): object {
  let loaded: object | undefined
  const target = (): object => (loaded ??= load())
  return new Proxy({}, {
    get: (_, key) => Reflect.get(target(), key),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    // Configurable, as a proxy must report the properties its own (empty) target lacks.
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key)
      return descriptor === undefined ? undefined : {...descriptor, configurable: true}
    },
  })
}

/**
 * The CommonJS wrapper around the file, joined to it as bytes: a string joined to a string would
 * leave two copies of a megabyte-sized source in the heap until a full collection, the file's and
 * the wrapped one V8 keeps. The file is read straight into place between the two, and decoded once:
 * the bundle is ASCII (esbuild's charset=ascii), so latin1 decodes it with no UTF-8 work.
 */
const WRAPPER_HEAD = Buffer.from('(function (exports, require, module, __filename, __dirname) { ', 'latin1')
const WRAPPER_TAIL = Buffer.from('\n});', 'latin1')

/**
 * What a cache was made from: V8 checks only the source's length, so a rebuilt bundle of the same
 * length would run the old code. The cache file starts with the bundle's size and modification time.
 */
const STAMP_BYTES = 16

interface LoadedSource {
  readonly source: string
  readonly stamp: Buffer
  /** The cache's code, when the file exists and was made from this bundle. */
  readonly cachedData?: Buffer
}

/**
 * The wrapped source and its cache, read through one buffer: the cache is read into the bytes the
 * source was decoded from. Memory a process touches for the first time is what a start pays most
 * for on these machines (~3 ms a megabyte), more than the reading itself.
 */
function readSourceAndCache(file: string, cacheFile: string): LoadedSource {
  const fd = fs.openSync(file, 'r')
  const cacheFd = openIfPresent(cacheFile)
  try {
    const stat = fs.fstatSync(fd)
    const sourceBytes = WRAPPER_HEAD.length + stat.size + WRAPPER_TAIL.length
    const cacheBytes = cacheFd === undefined ? 0 : fs.fstatSync(cacheFd).size
    const bytes = Buffer.allocUnsafe(Math.max(sourceBytes, cacheBytes))
    WRAPPER_HEAD.copy(bytes, 0)
    if (readFully(fd, bytes.subarray(WRAPPER_HEAD.length, WRAPPER_HEAD.length + stat.size)) < stat.size) {
      throw new Error(`${file}: shorter than its size; rebuild with npm run build`)
    }
    WRAPPER_TAIL.copy(bytes, WRAPPER_HEAD.length + stat.size)
    const source = bytes.toString('latin1', 0, sourceBytes)
    const stamp = bundleStamp(stat)
    if (cacheFd === undefined || cacheBytes <= STAMP_BYTES) return {source, stamp}
    const cache = bytes.subarray(0, cacheBytes)
    const whole = readFully(cacheFd, cache) === cacheBytes && cache.subarray(0, STAMP_BYTES).equals(stamp)
    return whole ? {source, stamp, cachedData: cache.subarray(STAMP_BYTES)} : {source, stamp}
  } finally {
    fs.closeSync(fd)
    if (cacheFd !== undefined) fs.closeSync(cacheFd)
  }
}

function openIfPresent(file: string): number | undefined {
  try {
    return fs.openSync(file, 'r')
  } catch {
    return undefined
  }
}

/** Reads from the file's start into `into` until it is full or the file ends; the bytes read. */
function readFully(fd: number, into: Buffer): number {
  let read = 0
  for (let n = -1; read < into.length && n !== 0; read += n) n = fs.readSync(fd, into, read, into.length - read, read)
  return read
}

function loadBundle(file: string, cacheFile: string, requireFor: (file: string) => RequireFunction): unknown {
  const {source, stamp, cachedData} = readSourceAndCache(file, cacheFile)
  const script = new vm.Script(source, {filename: file, cachedData})
  if (cachedData === undefined || script.cachedDataRejected === true) keepCacheAtExit(script, cacheFile, stamp)
  const bundleModule = new Module(file)
  bundleModule.filename = file
  const require = requireFor(file)
  bundleModule.paths = require.resolve.paths('') ?? []
  require.cache[file] = bundleModule
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void
  wrapper.call(bundleModule.exports, bundleModule.exports, require, bundleModule, file, path.dirname(file))
  bundleModule.loaded = true
  return bundleModule.exports
}

function bundleStamp(stat: fs.Stats): Buffer {
  const stamp = Buffer.alloc(STAMP_BYTES)
  stamp.writeDoubleLE(stat.size, 0)
  stamp.writeDoubleLE(stat.mtimeMs, 8)
  return stamp
}

/**
 * At exit the cache holds every function this run compiled. It is kept only after a run that
 * succeeded (a mistyped command line leaves nothing), only if V8's flags are what they were at load
 * (a command may tune the heap, which would make the cache useless to the next start), and written
 * whole or not at all; a read-only install simply goes without. node:v8 is loaded only here: it costs
 * a start some 5 ms.
 */
function keepCacheAtExit(script: vm.Script, cacheFile: string, stamp: Buffer): void {
  const v8: typeof import('node:v8') = require('node:v8')
  const tag = v8.cachedDataVersionTag()
  process.once('exit', (code) => {
    if (code !== 0 || v8.cachedDataVersionTag() !== tag) return
    const temp = `${cacheFile}.${process.pid}.tmp`
    try {
      fs.writeFileSync(temp, Buffer.concat([stamp, script.createCachedData()]))
      fs.renameSync(temp, cacheFile)
    } catch {
      // Not writable here (or no room): the next start compiles again.
      fs.rmSync(temp, {force: true})
    }
  })
}

export = {runBundled, VENDOR_CHUNKS}
