/**
 * The bin shims' loader (src/cli/load-bundle.cts) in real processes: a bundle runs with the code
 * cache the build left, a missing or stale cache (the bundle rebuilt) is written again at exit, and a
 * vendor package comes from its chunk, loaded once. A miniature layout (bin/, dist/bundle/) stands in
 * for the repository's; the binaries' own bundles are what every other end-to-end test runs.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {REPO} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

const LOADER = join(REPO, 'dist/src/cli/load-bundle.cjs')

function layout(): {dir: string; run: () => string; cache: string; bundle: string} {
  const dir = tempDir()
  mkdirSync(join(dir, 'bin'))
  mkdirSync(join(dir, 'dist/bundle/vendor'), {recursive: true})
  writeFileSync(join(dir, 'bin/demo.cjs'), `require(${JSON.stringify(LOADER)}).runBundled('demo', ${JSON.stringify(join(dir, 'bin/demo.js'))})\n`)
  const bundle = join(dir, 'dist/bundle/demo.cjs')
  writeFileSync(bundle, [
    "const a = require('jose'), b = require('jose')",
    "exports.run = async (bin, url) => { console.log(JSON.stringify({bin, url, chunk: a.marker, once: a === b, loads: globalThis.chunkLoads})) }",
    '',
  ].join('\n'))
  writeFileSync(join(dir, 'dist/bundle/vendor/jose.cjs'), 'globalThis.chunkLoads = (globalThis.chunkLoads ?? 0) + 1\nmodule.exports = {marker: "from the chunk"}\n')
  const run = () => {
    const r = spawnSync(process.execPath, [join(dir, 'bin/demo.cjs')], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }
  return {dir, run, cache: join(dir, 'dist/bundle/demo.v8cache'), bundle}
}

describe('bundle loader', () => {
  it('runs the bundle with vendor packages from their chunks, loaded once', () => {
    const {dir, run} = layout()
    const out = JSON.parse(run()) as Record<string, unknown>
    assert.deepEqual(out, {bin: 'demo', url: `file://${join(dir, 'bin/demo.js')}`, chunk: 'from the chunk', once: true, loads: 1})
  })

  it('writes a missing code cache at exit, keeps it while the bundle is unchanged, and replaces it once the bundle is rebuilt', () => {
    const {run, cache, bundle} = layout()
    run()
    const first = readFileSync(cache)
    assert.ok(first.length > 16, 'a cache was written')
    const written = statSync(cache).mtimeMs
    run()
    assert.equal(statSync(cache).mtimeMs, written, 'an accepted cache is left alone')
    // Same length, other content and time: V8 alone would take the old cache for it.
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('a.marker', 'b.marker'))
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000))
    run()
    assert.notDeepEqual(readFileSync(cache).subarray(0, 16), first.subarray(0, 16), 'the cache now names the rebuilt bundle')
  })
})
