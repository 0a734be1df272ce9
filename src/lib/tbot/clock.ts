/**
 * Time for the renewal loops, injectable so tests run a day of renewals in milliseconds: `now()` and
 * an abortable `sleep`. ManualClock only moves when a test advances it.
 */

export interface Clock {
  now(): Date
  /** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve()
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, ms))
      signal?.addEventListener('abort', done, {once: true})
    })
  },
}

interface Sleeper {
  readonly at: number
  readonly ms: number
  readonly resolve: () => void
}

/** A clock that stands still until `advance()`; sleepers wake in time order. */
export class ManualClock implements Clock {
  private current: number
  private sleepers: Sleeper[] = []
  private waiters: Array<{count: number; resolve: () => void}> = []
  /** Every sleep length ever asked for, in order (tests read backoff and jitter from it). */
  readonly requestedSleeps: number[] = []

  constructor(start: Date | number = Date.UTC(2024, 2, 20, 10, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime()
  }

  now(): Date {
    return new Date(this.current)
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.requestedSleeps.push(ms)
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve()
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper)
        sleeper.resolve()
      }
      signal?.addEventListener('abort', onAbort, {once: true})
      this.sleepers.push(sleeper)
      this.notifyWaiters()
    })
  }

  /** How many sleeps are pending now. */
  get pending(): number {
    return this.sleepers.length
  }

  /** Resolves once at least `count` sleeps are pending (the loops have settled into waiting). */
  whenSleeping(count = 1): Promise<void> {
    if (this.sleepers.length >= count) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({count, resolve}))
  }

  /** Move time forward, waking sleepers in order and letting each woken task run before the next. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) break
      this.current = Math.max(this.current, next.at)
      this.sleepers = this.sleepers.filter((s) => s !== next)
      next.resolve()
      await settle()
    }
    this.current = target
  }

  private notifyWaiters(): void {
    const ready = this.waiters.filter((w) => this.sleepers.length >= w.count)
    this.waiters = this.waiters.filter((w) => this.sleepers.length < w.count)
    for (const w of ready) w.resolve()
  }
}

/** Let pending promise chains run (a few macrotask turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
