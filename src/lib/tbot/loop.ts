/**
 * The renewal loop one service runs (Teleport's lib/tbot/config "Renewal"): do the task, wait renewal_interval ±
 * jitter, repeat; on failure log why and retry with capped exponential backoff; wake early when
 * triggered (trust bundle changed, config reloaded). Stopping (the `stop` signal) never interrupts a
 * task: it is passed to the task so network calls can give up, and the loop returns once the task
 * has returned, so a write in flight finishes.
 */
import {formatGoDuration} from '../duration.js'
import {isSvidkitError} from '../errors.js'
import type {Logger} from '../log.js'
import {taskIteration, taskStarted, type TaskLabels} from '../metrics/tbot.js'
import {jitteredBackoff, jitteredInterval, type BackoffPolicy} from './backoff.js'
import type {Clock} from './clock.js'

export interface LoopTask {
  /** What the task does, for log lines: `generate X509 SVID`. */
  readonly action: string
  /** Its labels in /metrics and its name in /readyz (metrics/tbot.ts). */
  readonly metric?: TaskLabels
  run(signal: AbortSignal): Promise<void>
}

export interface LoopTiming {
  readonly intervalMs: number
  readonly backoff: BackoffPolicy
  readonly clock: Clock
  readonly random: () => number
  readonly log: Logger
  /** Reshapes the wait after a success (the bot identity renews before it expires). */
  readonly nextDelay?: (jitteredIntervalMs: number) => number
}

/** Consecutive failures after which a failure is logged at ERROR rather than WARN. */
export const ERROR_AFTER_FAILURES = 5

export class RenewalLoop {
  private wake: AbortController = new AbortController()
  private pendingTrigger: string | undefined
  private failures = 0

  constructor(private readonly task: LoopTask, private readonly timing: LoopTiming) {}

  /** Run again as soon as the current wait (or run) ends. */
  trigger(reason: string): void {
    this.pendingTrigger = reason
    this.wake.abort()
  }

  /**
   * Loops until `stop` aborts; resolves after the task in flight (if any) has finished. With
   * `waitFirst` the first run comes after one (reshaped, jittered) interval rather than at once.
   */
  async run(stop: AbortSignal, options: {readonly waitFirst?: boolean} = {}): Promise<void> {
    const {log, clock} = this.timing
    const metric = this.task.metric ?? {service: 'internal', name: this.task.action.toLowerCase().replace(/[^a-z0-9]+/g, '-')}
    taskStarted(metric, options.waitFirst === true)
    if (options.waitFirst === true) await this.wait(this.successDelay(), stop)
    while (!stop.aborted) {
      const reason = this.pendingTrigger
      this.pendingTrigger = undefined
      if (reason !== undefined) log.info(`Running early to ${this.task.action}`, {reason})
      let delay: number
      const iterationDone = taskIteration(metric, this.failures)
      try {
        await this.task.run(stop)
        iterationDone()
        this.failures = 0
        delay = this.successDelay()
        log.debug(`Next attempt to ${this.task.action} scheduled`, {
          wait: formatGoDuration(delay),
          at: new Date(clock.now().getTime() + delay),
        })
      } catch (err) {
        if (stop.aborted) break
        iterationDone(err)
        this.failures++
        delay = jitteredBackoff(this.timing.backoff, this.failures, this.timing.random)
        const fields = {error: err, attempt: this.failures, retry_in: formatGoDuration(delay)}
        if (this.failures >= ERROR_AFTER_FAILURES) log.error(`Failed to ${this.task.action}, will retry`, fields)
        else log.warn(`Failed to ${this.task.action}, will retry`, fields)
      }
      await this.wait(delay, stop)
    }
  }

  private successDelay(): number {
    const jittered = jitteredInterval(this.timing.intervalMs, this.timing.random)
    return this.timing.nextDelay?.(jittered) ?? jittered
  }

  private async wait(ms: number, stop: AbortSignal): Promise<void> {
    if (this.pendingTrigger !== undefined || stop.aborted) return
    this.wake = new AbortController()
    const wake = this.wake
    const onStop = () => wake.abort()
    stop.addEventListener('abort', onStop, {once: true})
    try {
      await this.timing.clock.sleep(ms, wake.signal)
    } finally {
      stop.removeEventListener('abort', onStop)
    }
  }
}

export interface OnceOptions {
  readonly attempts: number
  readonly backoff: BackoffPolicy
  readonly clock: Clock
  readonly random: () => number
  readonly log: Logger
  readonly signal: AbortSignal
}

/**
 * Oneshot: run the task until it succeeds, at most `attempts` times with backoff between (Teleport
 * retries oneshot outputs too). Errors that a retry cannot fix (bad config, access denied, not found)
 * fail at once. Throws the last error.
 */
export async function runWithRetries(task: LoopTask, options: OnceOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await task.run(options.signal)
      return
    } catch (err) {
      if (attempt >= options.attempts || !isRetryable(err) || options.signal.aborted) throw err
      const delay = jitteredBackoff(options.backoff, attempt, options.random)
      options.log.warn(`Failed to ${task.action}, will retry`, {error: err, attempt, retry_in: formatGoDuration(delay)})
      await options.clock.sleep(delay, options.signal)
    }
  }
}

/** Transient failures are worth a retry; the cluster's considered answers are not. */
export function isRetryable(err: unknown): boolean {
  if (!isSvidkitError(err)) return true
  return err.code === 'CONNECTION_PROBLEM' || err.code === 'INTERNAL' || err.code === 'LIMIT_EXCEEDED'
}
