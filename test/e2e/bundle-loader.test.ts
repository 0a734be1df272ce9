/**
 * The bin shims' loader (src/cli/load-bundle.cts) in real processes: a bundle runs with the code
 * cache of its command word (or its own), a missing or stale cache (the bundle rebuilt) is written
 * again at the exit of a run that succeeded, a vendor package comes from its chunk, loaded once, and
 * Node's crypto loads only when first used. A miniature layout (bin/, dist/bundle/) stands in for the
 * repository's; the binaries' own bundles are what every other end-to-end test runs.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {REPO} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

const LOADER = join(REPO, 'dist/src/cli/load-bundle.cjs')

function layout(): {dir: string; run: (...args: string[]) => {status: number | null; stdout: string}; cache: (name?: string) => string; bundle: string} {
  const dir = tempDir()
  mkdirSync(join(dir, 'bin'))
  mkdirSync(join(dir, 'dist/bundle/vendor'), {recursive: true})
  writeFileSync(join(dir, 'bin/demo.cjs'), `require(${JSON.stringify(LOADER)}).runBundled('demo', ${JSON.stringify(join(dir, 'bin/demo.js'))})\n`)
  const bundle = join(dir, 'dist/bundle/demo.cjs')
  writeFileSync(bundle, [
    "const a = require('jose'), b = require('jose'), crypto = require('node:crypto')",
    'const loaded = () => process.moduleLoadList.includes("NativeModule crypto")',
    'exports.run = async (bin, url) => {',
    '  if (process.argv[2] === "fail") process.exit(3)',
    '  const cryptoAtStart = loaded()',
    '  const digest = crypto.createHash("sha256").update("x").digest("hex").slice(0, 8)',
    '  console.log(JSON.stringify({bin, url, chunk: a.marker, once: a === b, loads: globalThis.chunkLoads, cryptoAtStart, cryptoAfterUse: loaded(), digest}))',
    '}',
    '',
  ].join('\n'))
  writeFileSync(join(dir, 'dist/bundle/vendor/jose.cjs'), 'globalThis.chunkLoads = (globalThis.chunkLoads ?? 0) + 1\nmodule.exports = {marker: "from the chunk"}\n')
  const run = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'bin/demo.cjs'), ...args], {encoding: 'utf8'})
  const cache = (name = 'demo') => join(dir, 'dist/bundle', `${name}.v8cache`)
  return {dir, run, cache, bundle}
}

function succeeds(result: {status: number | null; stdout: string; stderr?: string}): string {
  assert.equal(result.status, 0, result.stderr)
  return result.stdout
}

describe('bundle loader', () => {
  it('runs the bundle with vendor packages from their chunks, loaded once, and Node\'s crypto loaded at first use', () => {
    const {dir, run} = layout()
    const out = JSON.parse(succeeds(run())) as Record<string, unknown>
    assert.deepEqual(out, {
      bin: 'demo', url: `file://${join(dir, 'bin/demo.js')}`, chunk: 'from the chunk', once: true, loads: 1,
      cryptoAtStart: false, cryptoAfterUse: true, digest: '2d711642',
    })
  })

  it('writes a missing code cache at exit, keeps it while the bundle is unchanged, and replaces it once the bundle is rebuilt', () => {
    const {run, cache, bundle} = layout()
    succeeds(run())
    const first = readFileSync(cache())
    assert.ok(first.length > 16, 'a cache was written')
    const written = statSync(cache()).mtimeMs
    succeeds(run())
    assert.equal(statSync(cache()).mtimeMs, written, 'an accepted cache is left alone')
    // Same length, other content and time: V8 alone would take the old cache for it.
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('a.marker', 'b.marker'))
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000))
    succeeds(run())
    assert.notDeepEqual(readFileSync(cache()).subarray(0, 16), first.subarray(0, 16), 'the cache now names the rebuilt bundle')
  })

  it('gives each command word its own cache, and a failed run none', () => {
    const {run, cache} = layout()
    succeeds(run('inspect', '--flag'))
    assert.ok(existsSync(cache('demo.inspect')), "the word's own cache")
    assert.ok(!existsSync(cache()), 'not the bundle\'s own')
    succeeds(run('--help'))
    assert.ok(existsSync(cache()), 'a line with no command word writes the bundle\'s own')
    assert.equal(run('fail').status, 3)
    assert.ok(!existsSync(cache('demo.fail')), 'a failed run leaves no cache')
  })
})
