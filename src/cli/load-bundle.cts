/**
 * What the bin shims run: the binary's whole program is one CommonJS file, dist/bundle/<bin>.cjs
 * (scripts/bundle.mjs), compiled here with V8's code cache beside it (<bin>.v8cache), so a start
 * neither resolves hundreds of modules nor compiles the functions that ran last time. The cache is
 * written by the build; when V8 refuses it (another Node, other flags) or it is missing, the run
 * compiles normally and leaves a fresh one behind if the directory is writable. Node 22's
 * module.enableCompileCache does the same for any module; this works on Node 20 too.
 *
 * The module is registered in require's cache under its own path, so oclif's explicit command
 * discovery (clis/<bin>/package.json: `require(dist/bundle/<bin>.cjs).COMMANDS`) gets this instance.
 */
import fs = require('node:fs')
import Module = require('node:module')
import path = require('node:path')
import url = require('node:url')
import vm = require('node:vm')

interface BundleExports {
  run(bin: string, binUrl: string): Promise<void>
  runCli(bin: string, argv: readonly string[], rootPackageJson: string): Promise<number>
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
  const bundle = loadBinary(bin, binFile)
  if (options.lean === true) bundle.startLean()
  return bundle.run(bin, url.pathToFileURL(binFile).href)
}

/** The binary's bundle, loaded (also what the build's code cache warm-up runs). */
function loadBinary(bin: string, binFile: string): BundleExports {
  const bundleDir = path.join(path.dirname(binFile), '..', 'dist', 'bundle')
  return loadBundle(path.join(bundleDir, `${bin}.cjs`), chunkRequire(bundleDir)) as BundleExports
}

/** The require a bundle sees: a vendor package from its chunk, anything else from Node. */
function chunkRequire(bundleDir: string): (file: string) => RequireFunction {
  const chunks = new Map<string, unknown>()
  const chunk = (name: string): unknown => {
    if (!chunks.has(name)) {
      const file = path.join(bundleDir, 'vendor', `${name}.cjs`)
      chunks.set(name, loadBundle(file, requireFor))
    }
    return chunks.get(name)
  }
  const requireFor = (file: string): RequireFunction => {
    const nodeRequire = Module.createRequire(file)
    const vendorRequire = (id: string): unknown => {
      const name = VENDOR_CHUNKS[id]
      return name === undefined ? nodeRequire(id) : chunk(name)
    }
    return Object.assign(vendorRequire, {resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions})
  }
  return requireFor
}

/**
 * The CommonJS wrapper around the file, joined to it as bytes: a string joined to a string would
 * leave two copies of a megabyte-sized source in the heap until a full collection, the file's and
 * the wrapped one V8 keeps. The file is read straight into place between the two, and decoded once:
 * the bundle is ASCII (esbuild's charset=ascii), so latin1 decodes it with no UTF-8 work.
 */
const WRAPPER_HEAD = Buffer.from('(function (exports, require, module, __filename, __dirname) { ', 'latin1')
const WRAPPER_TAIL = Buffer.from('\n});', 'latin1')

function readWrapped(file: string): {source: string; stamp: Buffer} {
  const fd = fs.openSync(file, 'r')
  try {
    const stat = fs.fstatSync(fd)
    const bytes = Buffer.allocUnsafe(WRAPPER_HEAD.length + stat.size + WRAPPER_TAIL.length)
    WRAPPER_HEAD.copy(bytes, 0)
    for (let read = 0, n = -1; read < stat.size; read += n) {
      n = fs.readSync(fd, bytes, WRAPPER_HEAD.length + read, stat.size - read, read)
      if (n === 0) throw new Error(`${file}: shorter than its size; rebuild with npm run build`)
    }
    WRAPPER_TAIL.copy(bytes, WRAPPER_HEAD.length + stat.size)
    return {source: bytes.toString('latin1'), stamp: bundleStamp(stat)}
  } finally {
    fs.closeSync(fd)
  }
}

function loadBundle(file: string, requireFor: (file: string) => RequireFunction): unknown {
  const {source, stamp} = readWrapped(file)
  const cacheFile = file.replace(/\.cjs$/, '.v8cache')
  const cachedData = readCache(cacheFile, stamp)
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

/**
 * What a cache was made from: V8 checks only the source's length, so a rebuilt bundle of the same
 * length would run the old code. The cache file starts with the bundle's size and modification time.
 */
const STAMP_BYTES = 16

function bundleStamp(stat: fs.Stats): Buffer {
  const stamp = Buffer.alloc(STAMP_BYTES)
  stamp.writeDoubleLE(stat.size, 0)
  stamp.writeDoubleLE(stat.mtimeMs, 8)
  return stamp
}

function readCache(file: string, stamp: Buffer): Buffer | undefined {
  let data: Buffer
  try {
    data = fs.readFileSync(file)
  } catch {
    return undefined
  }
  return data.subarray(0, STAMP_BYTES).equals(stamp) ? data.subarray(STAMP_BYTES) : undefined
}

/**
 * At exit the cache holds every function this run compiled. It is kept only if V8's flags are what
 * they were at load (a command may tune the heap, which would make the cache useless to the next
 * start), and written whole or not at all; a read-only install simply goes without. node:v8 is
 * loaded only here: it costs a start some 5 ms.
 */
function keepCacheAtExit(script: vm.Script, cacheFile: string, stamp: Buffer): void {
  const v8: typeof import('node:v8') = require('node:v8')
  const tag = v8.cachedDataVersionTag()
  process.once('exit', () => {
    if (v8.cachedDataVersionTag() !== tag) return
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

export = {runBundled, loadBinary, VENDOR_CHUNKS}
