import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ConnectionProblemError, AccessDeniedError} from '../../../src/lib/errors.js'
import {createLogger} from '../../../src/lib/log.js'
import {
  backoffDelay,
  defaultBackoff,
  identityRenewalDelay,
  jitteredBackoff,
  jitteredInterval,
  type BackoffPolicy,
} from '../../../src/lib/tbot/backoff.js'
import {ManualClock} from '../../../src/lib/tbot/clock.js'
import {ERROR_AFTER_FAILURES, RenewalLoop, isRetryable, runWithRetries, type LoopTask} from '../../../src/lib/tbot/loop.js'

const POLICY: BackoffPolicy = {initialMs: 1000, factor: 2, maxMs: 8000}
const half = () => 0.5

function capture() {
  const lines: string[] = []
  return {log: createLogger({component: 'tbot', level: 'debug', write: (l) => lines.push(l)}), lines}
}

/** A promise and the function that settles it. */
function gate(): {promise: Promise<void>; open: () => void} {
  let open!: () => void
  const promise = new Promise<void>((resolve) => { open = resolve })
  return {promise, open}
}

describe('backoff', () => {
  it('grows exponentially from the initial delay and stops at the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(POLICY, n)), [1000, 2000, 4000, 8000, 8000, 8000, 8000])
    assert.equal(backoffDelay(POLICY, 0), 0)
  })

  it('half jitter stays within [d/2, d] and never above the cap', () => {
    for (let n = 1; n <= 8; n++) {
      const d = backoffDelay(POLICY, n)
      assert.equal(jitteredBackoff(POLICY, n, () => 0), d / 2)
      assert.equal(jitteredBackoff(POLICY, n, () => 0.999999), Math.round(d / 2 + (d / 2) * 0.999999))
      for (let i = 0; i < 200; i++) {
        const v = jitteredBackoff(POLICY, n, Math.random)
        assert.ok(v >= d / 2 && v <= d && v <= POLICY.maxMs, `${n}: ${v}`)
      }
    }
  })

  it('renewal interval jitter is ±10%', () => {
    const interval = 20 * 60_000
    assert.equal(jitteredInterval(interval, () => 0), 1_080_000)
    assert.equal(jitteredInterval(interval, () => 0.5), 1_200_000)
    assert.equal(jitteredInterval(interval, () => 1), 1_320_000)
    for (let i = 0; i < 500; i++) {
      const v = jitteredInterval(interval, Math.random)
      assert.ok(v >= 1_080_000 && v <= 1_320_000, String(v))
    }
  })

  it('the default policy starts at 1s and is capped by the renewal interval and 5 minutes', () => {
    assert.deepEqual(defaultBackoff(20 * 60_000), {initialMs: 1000, factor: 2, maxMs: 300_000})
    assert.deepEqual(defaultBackoff(30_000), {initialMs: 1000, factor: 2, maxMs: 30_000})
  })

  it('the bot identity renews by half its remaining lifetime at the latest', () => {
    const now = new Date(0)
    assert.equal(identityRenewalDelay(1_200_000, now, new Date(3_600_000)), 1_200_000)
    assert.equal(identityRenewalDelay(1_200_000, now, new Date(600_000)), 300_000)
    assert.equal(identityRenewalDelay(1_200_000, now, new Date(-1)), 0)
  })
})

describe('RenewalLoop with a fake clock', () => {
  it('retries failures with growing backoff, logs why, then returns to the renewal interval', async () => {
    const clock = new ManualClock()
    const {log, lines} = capture()
    let calls = 0
    const task: LoopTask = {action: 'generate X509 SVID', run: async () => {
      calls++
      if (calls <= 3) throw new ConnectionProblemError(`proxy unreachable #${calls}`)
    }}
    const stop = new AbortController()
    const done = new RenewalLoop(task, {intervalMs: 60_000, backoff: POLICY, clock, random: half, log}).run(stop.signal)
    await clock.whenSleeping()
    await clock.advance(750) // first backoff: 1000 * (0.5 + 0.25)
    await clock.advance(1500)
    await clock.advance(3000)
    assert.equal(calls, 4)
    assert.deepEqual(clock.requestedSleeps, [750, 1500, 3000, 60_000])
    const warns = lines.filter((l) => l.includes(' WARN '))
    assert.equal(warns.length, 3)
    assert.match(warns[0]!, /WARN \[TBOT\]      Failed to generate X509 SVID, will retry error:\[proxy unreachable #1\] attempt:1 retry_in:750ms/)
    assert.match(warns[2]!, /attempt:3 retry_in:3s/)
    assert.ok(lines.some((l) => / DEBU .*Next attempt to generate X509 SVID scheduled wait:1m0s/.test(l)))
    await clock.advance(60_000)
    assert.equal(calls, 5)
    stop.abort()
    await done
  })

  it('logs at ERROR from the fifth consecutive failure and caps the wait', async () => {
    const clock = new ManualClock()
    const {log, lines} = capture()
    const task: LoopTask = {action: 'renew bot identity', run: async () => { throw new Error('nope') }}
    const stop = new AbortController()
    const done = new RenewalLoop(task, {intervalMs: 60_000, backoff: POLICY, clock, random: () => 0.999, log}).run(stop.signal)
    for (let i = 0; i < 7; i++) {
      await clock.whenSleeping()
      await clock.advance(POLICY.maxMs)
    }
    stop.abort()
    await done
    const levels = lines.filter((l) => l.includes('Failed to renew bot identity')).map((l) => l.slice(25, 29))
    assert.deepEqual(levels.slice(0, ERROR_AFTER_FAILURES + 1), ['WARN', 'WARN', 'WARN', 'WARN', 'ERRO', 'ERRO'])
    assert.ok(clock.requestedSleeps.every((ms) => ms <= POLICY.maxMs), clock.requestedSleeps.join(','))
    assert.equal(Math.max(...clock.requestedSleeps), 7996)
  })

  it('trigger() runs the task again without waiting for the interval', async () => {
    const clock = new ManualClock()
    let calls = 0
    const loop = new RenewalLoop({action: 'x', run: async () => { calls++ }}, {intervalMs: 1_200_000, backoff: POLICY, clock, random: half, log: capture().log})
    const stop = new AbortController()
    const done = loop.run(stop.signal)
    await clock.whenSleeping()
    assert.equal(calls, 1)
    loop.trigger('trust bundle changed')
    await clock.whenSleeping()
    assert.equal(calls, 2)
    assert.equal(clock.now().getTime(), new ManualClock().now().getTime(), 'no time passed')
    stop.abort()
    await done
  })

  it('waitFirst: the first run comes after one interval', async () => {
    const clock = new ManualClock()
    let calls = 0
    const stop = new AbortController()
    const done = new RenewalLoop({action: 'x', run: async () => { calls++ }}, {intervalMs: 1000, backoff: POLICY, clock, random: half, log: capture().log})
      .run(stop.signal, {waitFirst: true})
    await clock.whenSleeping()
    assert.equal(calls, 0)
    await clock.advance(1000)
    assert.equal(calls, 1)
    stop.abort()
    await done
  })

  it('stopping mid-task lets the write finish, then returns without another run', async () => {
    const clock = new ManualClock()
    const writing = gate()
    const started = gate()
    let finishedWrites = 0
    let calls = 0
    const task: LoopTask = {action: 'write', run: async () => {
      calls++
      started.open()
      await writing.promise
      finishedWrites++
    }}
    const stop = new AbortController()
    let returned = false
    const done = new RenewalLoop(task, {intervalMs: 1000, backoff: POLICY, clock, random: half, log: capture().log})
      .run(stop.signal).then(() => { returned = true })
    await started.promise
    stop.abort()
    await new Promise((r) => setImmediate(r))
    assert.equal(returned, false, 'the loop waits for the write in flight')
    writing.open()
    await done
    assert.equal(finishedWrites, 1)
    assert.equal(calls, 1)
    assert.equal(clock.pending, 0)
  })
})

describe('oneshot retries', () => {
  const opts = (clock: ManualClock, attempts = 5) => ({attempts, backoff: POLICY, clock, random: half, log: capture().log, signal: new AbortController().signal})

  it('retries transient failures, then succeeds', async () => {
    const clock = new ManualClock()
    let calls = 0
    const done = runWithRetries({action: 'x', run: async () => {
      if (++calls < 3) throw new ConnectionProblemError('down')
    }}, opts(clock))
    await clock.whenSleeping()
    await clock.advance(750)
    await clock.whenSleeping()
    await clock.advance(1500)
    await done
    assert.equal(calls, 3)
  })

  it('fails at once on an answer a retry cannot change', async () => {
    let calls = 0
    await assert.rejects(runWithRetries({action: 'x', run: async () => {
      calls++
      throw new AccessDeniedError('access denied to perform action "read" on "workload_identity"')
    }}, opts(new ManualClock())), AccessDeniedError)
    assert.equal(calls, 1)
  })

  it('throws the last error when attempts run out', async () => {
    const clock = new ManualClock()
    let calls = 0
    const done = assert.rejects(
      runWithRetries({action: 'x', run: async () => { throw new ConnectionProblemError(`down ${++calls}`) }}, opts(clock, 2)),
      {message: 'down 2'},
    )
    await clock.whenSleeping()
    await clock.advance(750)
    await done
    assert.equal(calls, 2)
  })

  it('classifies errors', () => {
    assert.equal(isRetryable(new Error('ECONNRESET')), true)
    assert.equal(isRetryable(new ConnectionProblemError('x')), true)
    assert.equal(isRetryable(new AccessDeniedError('x')), false)
  })
})
