/**
 * How long the renewal loops wait (Teleport's lib/tbot/config "Renewal: every renewal_interval, … backoff on
 * failure"). Pure functions of their inputs and a random source in [0, 1), so tests pin them down.
 *
 * - A successful run waits `renewal_interval` ± 10% (spreads many bots' renewals apart).
 * - A failed run waits `initial * factor^(failures-1)`, capped at `max`, then "half jitter": a value
 *   in [d/2, d] (as Teleport's retryutils.HalfJitter), so retries back off yet never exceed the cap.
 */

export interface BackoffPolicy {
  readonly initialMs: number
  readonly factor: number
  readonly maxMs: number
}

/** Fraction of the renewal interval that jitter may add or remove. */
export const RENEWAL_JITTER = 0.1
const DEFAULT_BACKOFF_CAP_MS = 5 * 60_000

/** Starts at 1s (Teleport's first retry), doubles, and never waits longer than the renewal interval or 5 minutes. */
export function defaultBackoff(renewalIntervalMs: number): BackoffPolicy {
  return {initialMs: 1000, factor: 2, maxMs: Math.max(1000, Math.min(renewalIntervalMs, DEFAULT_BACKOFF_CAP_MS))}
}

/** The un-jittered delay after `failures` consecutive failures (1-based). */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  if (failures < 1) return 0
  const raw = policy.initialMs * Math.pow(policy.factor, failures - 1)
  return Math.min(policy.maxMs, raw)
}

/** `backoffDelay` with half jitter: uniform in [d/2, d]. */
export function jitteredBackoff(policy: BackoffPolicy, failures: number, random: () => number): number {
  const d = backoffDelay(policy, failures)
  return Math.round(d / 2 + (d / 2) * clampUnit(random()))
}

/** The renewal interval ± RENEWAL_JITTER, uniform. */
export function jitteredInterval(intervalMs: number, random: () => number): number {
  const spread = intervalMs * RENEWAL_JITTER
  return Math.round(intervalMs - spread + 2 * spread * clampUnit(random()))
}

/**
 * When the bot identity must renew: the jittered interval, but never later than halfway through
 * the time it has left, so a long interval or a short-lived identity still renews before expiry.
 */
export function identityRenewalDelay(intervalDelayMs: number, now: Date, expiresAt: Date): number {
  const remaining = expiresAt.getTime() - now.getTime()
  return Math.max(0, Math.min(intervalDelayMs, Math.floor(remaining / 2)))
}

function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0.5
}
