/**
 * Per-caller, per-method token buckets for the Workload API. The shape is SPIRE's per-IP limiter
 * (spiffe/spire pkg/server/api/middleware/ratelimit.go: one golang.org/x/time/rate bucket of
 * `limit` per second and burst per caller, per method), keyed here by uid (or IP over TCP). Unlike
 * SPIRE, which makes the call wait for a token, an empty bucket refuses at once with
 * ResourceExhausted: a waiting call would still hold its memory and its connection.
 *
 * Buckets live in two generations, as SPIRE's: a caller not seen for a minute is forgotten (its
 * bucket would be full again by then anyway), so the map holds only recent callers.
 */
import {LimitExceededError} from '../errors.js'
import type {LimitedMethod, MethodRate} from './limits.js'

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date (ms on the limiter's clock). */
  at: number
}

const GENERATION_MS = 60_000
/** A generation this large starts the next one early, whatever its age. */
const MAX_BUCKETS_PER_GENERATION = 4096

export class CallerRateLimiter {
  private current = new Map<string, Bucket>()
  private previous = new Map<string, Bucket>()
  private generationStart: number

  /** `now` is a monotonic clock in ms (default performance.now). */
  constructor(private readonly rates: Readonly<Record<LimitedMethod, MethodRate>>, private readonly now: () => number = () => performance.now()) {
    this.generationStart = now()
  }

  /** Takes one token from the caller's bucket for `method`; throws LimitExceededError when it is empty. */
  take(method: LimitedMethod, caller: string): void {
    const rate = this.rates[method]
    const now = this.now()
    const bucket = this.bucket(`${method}\n${caller}`, rate, now)
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) * rate.perSecond) / 1000)
    bucket.at = now
    if (bucket.tokens < 1) {
      throw new LimitExceededError(
        `too many ${method} requests from ${caller}: the limit is ${rate.perSecond} per second, in bursts of up to ${rate.burst}`)
    }
    bucket.tokens -= 1
  }

  private bucket(key: string, rate: MethodRate, now: number): Bucket {
    let bucket = this.current.get(key)
    if (bucket !== undefined) return bucket
    bucket = this.previous.get(key)
    if (bucket !== undefined) {
      this.previous.delete(key)
    } else {
      if (now - this.generationStart >= GENERATION_MS || this.current.size >= MAX_BUCKETS_PER_GENERATION) {
        this.previous = this.current
        this.current = new Map()
        this.generationStart = now
      }
      bucket = {tokens: rate.burst, at: now}
    }
    this.current.set(key, bucket)
    return bucket
  }
}
