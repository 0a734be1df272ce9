import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {formatGoDuration, formatProtoDuration, parseDuration} from '../../src/lib/duration.js'
import {BadParameterError} from '../../src/lib/errors.js'

const H = 3_600_000
const M = 60_000
const S = 1_000

describe('parseDuration', () => {
  const valid: Array<[string | number, number]> = [
    ['1h', H], ['30m', 30 * M], ['3600s', 3600 * S], ['1h30m', 90 * M], ['1.5h', 90 * M], ['300ms', 300],
    ['0', 0], ['0s', 0], ['+5s', 5 * S], ['-1.5s', -1500], ['1us', 0.001], ['1µs', 0.001], ['1μs', 0.001],
    ['1ns', 0.000001], ['.5s', 500], ['5.s', 5 * S], ['1h0m0s', H], ['336h0m0s', 336 * H], ['1.500s', 1500],
    ['2h45m30.5s', 2 * H + 45 * M + 30_500], ['1m1m', 2 * M], ['0.000000001s', 0.000001],
    [3600, 3600 * S], [1.5, 1500], [0, 0],
  ]
  for (const [input, ms] of valid) {
    it(`${JSON.stringify(input)} is ${ms} ms`, () => assert.equal(parseDuration(input), ms))
  }

  const invalid: Array<[string | number, string]> = [
    ['', 'invalid duration ""'],
    ['1', 'missing unit in duration "1"'],
    ['3600', 'missing unit in duration "3600"'],
    ['1x', 'unknown unit "x" in duration "1x"'],
    ['1H', 'unknown unit "H" in duration "1H"'],
    ['1h 30m', 'unknown unit "h " in duration "1h 30m"'],
    ['h', 'invalid duration "h"'],
    ['.s', 'invalid duration ".s"'],
    ['-', 'invalid duration "-"'],
    ['1h-5m', 'unknown unit "h-" in duration "1h-5m"'],
    ['9999999999999h', 'invalid duration "9999999999999h"'],
    [Number.NaN, 'invalid duration NaN'],
    [Number.POSITIVE_INFINITY, 'invalid duration Infinity'],
    [1e12, 'invalid duration 1000000000000'],
  ]
  for (const [input, message] of invalid) {
    it(`${JSON.stringify(String(input))} is rejected`, () => {
      assert.throws(() => parseDuration(input), (err: unknown) =>
        err instanceof BadParameterError && err.code === 'BAD_PARAMETER' && err.message === message)
    })
  }

  it('accepts the largest Go duration (int64 nanoseconds) and rejects one nanosecond more', () => {
    // Milliseconds as a double are nanosecond-exact only up to 2^53 ns (~104 days); beyond, close.
    assert.equal(Math.round(parseDuration('2562047h47m16.854775807s')), 9_223_372_036_855)
    assert.throws(() => parseDuration('2562047h47m16.854775808s'), /^BadParameterError: invalid duration/)
  })
})

describe('formatProtoDuration', () => {
  const cases: Array<[number, string]> = [
    [H, '3600s'], [0, '0s'], [1500, '1.500s'], [0.001, '0.000001s'], [0.000001, '0.000000001s'],
    [-1500, '-1.500s'], [336 * H, '1209600s'], [12 * H, '43200s'], [1, '0.001s'], [1234.5, '1.234500s'],
  ]
  for (const [ms, text] of cases) {
    it(`${ms} ms is ${text}`, () => assert.equal(formatProtoDuration(ms), text))
  }
})

describe('formatGoDuration', () => {
  const cases: Array<[number, string]> = [
    [336 * H, '336h0m0s'], [24 * H, '24h0m0s'], [168 * H, '168h0m0s'], [H, '1h0m0s'], [5 * M, '5m0s'],
    [30 * S, '30s'], [1500, '1.5s'], [300, '300ms'], [1.5, '1.5ms'], [0.001, '1µs'], [0.000001, '1ns'],
    [0, '0s'], [25 * H + M + S, '25h1m1s'], [-M, '-1m0s'], [M + 30_500, '1m30.5s'],
  ]
  for (const [ms, text] of cases) {
    it(`${ms} ms is ${text}`, () => assert.equal(formatGoDuration(ms), text))
  }

  it('rejects a non-finite value as caller misuse', () => {
    assert.throws(() => formatGoDuration(Number.NaN), TypeError)
  })
})

describe('round trips', () => {
  for (const ms of [0, 1, 300, 1500, H, 90 * M, 336 * H, 0.001, 0.000001, 12.345678]) {
    it(`${ms} ms survives both formats`, () => {
      assert.equal(parseDuration(formatProtoDuration(ms)), ms)
      assert.equal(parseDuration(formatGoDuration(ms)), ms)
    })
  }
})
