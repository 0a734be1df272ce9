import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {test} from 'node:test'

const MODULE = new URL('../../src/lib/idle-memory.js', import.meta.url).href

/** A child that keeps ~20 MB of short-lived survivors (what makes V8 grow new space), then reports new space's size in bytes. */
function newSpaceAfterBurst(preload: readonly string[]): number {
  const script = `
    let keep = []
    for (let i = 0; i < 2e6; i++) { keep.push({i, s: 'x' + i}); if (keep.length > 2e5) keep = [] }
    const s = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')
    process.stdout.write(String(s.space_size))`
  return Number(execFileSync(process.execPath, [...preload, '-e', script], {encoding: 'utf8'}))
}

test('idle-memory: new space keeps its initial size through an allocation burst', () => {
  const grown = newSpaceAfterBurst([])
  const kept = newSpaceAfterBurst(['--import', `data:text/javascript,import {startLean} from ${JSON.stringify(MODULE)}; startLean()`])
  assert.ok(kept <= 4 * 1024 * 1024, `new space with the module: ${kept} bytes`)
  assert.ok(grown > kept, `without the module new space grows (${grown} bytes), with it ${kept}`)
})

test('idle-memory: after startLean(), no optimizing compiler until optimizeFromNowOn()', () => {
  // V8's optimization status bits (src/runtime/runtime-test.cc OptimizationStatus): 16 = optimized.
  const script = `
    const {startLean, optimizeFromNowOn} = await import(${JSON.stringify(MODULE)})
    startLean()
    const f = new Function('n', 'let s = 0; for (let i = 0; i < n; i++) s += i; return s')
    const forceOptimize = new Function('f', '%PrepareFunctionForOptimization(f); f(10); f(10); %OptimizeFunctionOnNextCall(f); f(10); return %GetOptimizationStatus(f)')
    const before = forceOptimize(f)
    optimizeFromNowOn()
    process.stdout.write(JSON.stringify([before, forceOptimize(f)]))`
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {encoding: 'utf8'})
  const [before, after] = JSON.parse(out) as [number, number]
  assert.equal(before & 16, 0, `optimized during start-up (status ${before.toString(2)})`)
  assert.equal(after & 16, 16, `not optimized afterwards (status ${after.toString(2)})`)
})
