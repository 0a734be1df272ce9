import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {LimitExceededError} from '../../../src/lib/errors.js'
import {DEFAULT_WORKLOAD_API_LIMITS, resolveLimits} from '../../../src/lib/workloadapi/limits.js'
import {CallerRateLimiter} from '../../../src/lib/workloadapi/rate-limit.js'
import {grpcStatusOf} from '../../../src/lib/workloadapi/status.js'

const rates = {...DEFAULT_WORKLOAD_API_LIMITS.rates, FetchJWTSVID: {perSecond: 2, burst: 3}}

function takes(limiter: CallerRateLimiter, method: 'FetchJWTSVID' | 'ValidateJWTSVID', caller: string, n: number): number {
  let taken = 0
  for (let i = 0; i < n; i++) {
    try {
      limiter.take(method, caller)
      taken++
    } catch (err) {
      assert.ok(err instanceof LimitExceededError)
    }
  }
  return taken
}

describe('CallerRateLimiter (token bucket per caller and method)', () => {
  it('allows a burst, then refuses with ResourceExhausted, then refills at the rate', () => {
    let now = 0
    const limiter = new CallerRateLimiter(rates, () => now)
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1000', 10), 3, 'the burst')
    assert.throws(() => limiter.take('FetchJWTSVID', 'uid 1000'), (err: unknown) => {
      assert.deepEqual(grpcStatusOf(err), {
        code: 8, details: 'too many FetchJWTSVID requests from uid 1000: the limit is 2 per second, in bursts of up to 3',
      })
      return true
    })
    now += 499
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1000', 10), 0, 'not yet a whole token')
    now += 1
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1000', 10), 1, 'one token per 500 ms')
    now += 60_000
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1000', 10), 3, 'never more than the burst')
  })

  it('keeps callers and methods apart', () => {
    const limiter = new CallerRateLimiter(rates, () => 0)
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1000', 10), 3)
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1001', 10), 3, 'another uid has its own bucket')
    assert.equal(takes(limiter, 'ValidateJWTSVID', 'uid 1000', 5000), DEFAULT_WORKLOAD_API_LIMITS.rates.ValidateJWTSVID.burst, 'another method has its own bucket')
  })

  it('forgets callers unseen for a generation, without resetting an active one', () => {
    let now = 0
    const limiter = new CallerRateLimiter({...rates, FetchJWTSVID: {perSecond: 0.001, burst: 2}}, () => now)
    assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1', 5), 2)
    for (let i = 0; i < 3; i++) {
      now += 61_000
      // A new caller starts the next generation; uid 1 moves along while it keeps calling.
      takes(limiter, 'FetchJWTSVID', `uid ${100 + i}`, 1)
      assert.equal(takes(limiter, 'FetchJWTSVID', 'uid 1', 5), 0, 'still empty: 0.001 per second')
    }
  })
})

describe('resolveLimits', () => {
  it('takes overrides over the defaults and refuses nonsense', () => {
    const limits = resolveLimits({maxAudiences: 2, rates: {FetchJWTSVID: {perSecond: 1, burst: 1}}})
    assert.equal(limits.maxAudiences, 2)
    assert.equal(limits.maxAudienceBytes, DEFAULT_WORKLOAD_API_LIMITS.maxAudienceBytes)
    assert.deepEqual(limits.rates.FetchJWTSVID, {perSecond: 1, burst: 1})
    assert.deepEqual(limits.rates.ValidateJWTSVID, DEFAULT_WORKLOAD_API_LIMITS.rates.ValidateJWTSVID)
    assert.throws(() => resolveLimits({connectionIdleMs: 0}), /connectionIdleMs must be a positive integer/)
    assert.throws(() => resolveLimits({rates: {FetchX509SVID: {perSecond: 0, burst: 1}}}), /FetchX509SVID/)
  })
})
