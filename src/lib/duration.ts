/**
 * Durations as Teleport writes them: Go's `time.ParseDuration` syntax ("1h30m", "1.5h", "300ms"),
 * protojson's "<seconds>s" form (how `tctl get` prints them, Teleport's tool/tctl/common/resource_command.go), and Go's
 * `Duration.String()` form ("336h0m0s") used in Teleport's messages. Values are milliseconds
 * (possibly fractional, since Go counts nanoseconds); the arithmetic is done in BigInt nanoseconds
 * so that nothing is lost between parse and format.
 */
import {BadParameterError} from './errors.js'

const NS_PER_MS = 1_000_000n
/** Go's time.Duration is an int64 count of nanoseconds. */
const MAX_NS = (1n << 63n) - 1n

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}

/**
 * Parses a duration into milliseconds. Strings use Go's syntax (a superset of protojson's "3600s");
 * a bare number (as YAML gives for `ttl: 3600`) means seconds.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return secondsToMs(text)
  return nsToMs(parseGoDurationNs(text))
}

function secondsToMs(seconds: number): number {
  if (!Number.isFinite(seconds) || Math.abs(seconds) * 1e9 > Number(MAX_NS)) {
    throw new BadParameterError(`invalid duration ${String(seconds)}`)
  }
  return seconds * 1000
}

function invalid(orig: string): never {
  throw new BadParameterError(`invalid duration ${JSON.stringify(orig)}`)
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** Go's ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or "0"; overflow of int64 ns is an error. */
function parseGoDurationNs(orig: string): bigint {
  let s = orig
  let negative = false
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') invalid(orig)
  let total = 0n
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) invalid(orig)
    const whole = /^[0-9]*/.exec(s)![0]
    s = s.slice(whole.length)
    let fraction = ''
    if (s.startsWith('.')) {
      fraction = /^[0-9]*/.exec(s.slice(1))![0]
      s = s.slice(1 + fraction.length)
    }
    if (whole === '' && fraction === '') invalid(orig) // "." or ".s"
    const unit = /^[^0-9.]*/.exec(s)![0]
    if (unit === '') throw new BadParameterError(`missing unit in duration ${JSON.stringify(orig)}`)
    const unitNs = UNIT_NS[unit]
    if (unitNs === undefined) {
      throw new BadParameterError(`unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}`)
    }
    s = s.slice(unit.length)
    total += componentNs(whole, fraction, unitNs)
    if (total > MAX_NS) invalid(orig)
  }
  return negative ? -total : total
}

/** whole.fraction × unit, truncated to whole nanoseconds as Go does. */
function componentNs(whole: string, fraction: string, unitNs: bigint): bigint {
  const wholeNs = BigInt(whole === '' ? '0' : whole) * unitNs
  if (fraction === '') return wholeNs
  const scale = 10n ** BigInt(fraction.length)
  return wholeNs + (BigInt(fraction) * unitNs) / scale
}

function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6
}

function msToNs(ms: number): bigint {
  if (!Number.isFinite(ms)) throw new TypeError(`duration must be a finite number of milliseconds, got ${ms}`)
  const whole = Math.trunc(ms)
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6))
}

/** protojson's form: seconds with 0, 3, 6 or 9 fractional digits, e.g. "3600s", "1.500s", "-0.000001s". */
export function formatProtoDuration(ms: number): string {
  const ns = msToNs(ms)
  const sign = ns < 0n ? '-' : ''
  const abs = ns < 0n ? -ns : ns
  const seconds = abs / 1_000_000_000n
  const nanos = abs % 1_000_000_000n
  if (nanos === 0n) return `${sign}${seconds}s`
  let digits = nanos.toString().padStart(9, '0')
  while (digits.endsWith('000')) digits = digits.slice(0, -3)
  return `${sign}${seconds}.${digits}s`
}

/** Go's `time.Duration.String()`: "336h0m0s", "1h0m0s", "5m0s", "30s", "1.5s", "300ms", "0s". */
export function formatGoDuration(ms: number): string {
  const ns = msToNs(ms)
  const sign = ns < 0n ? '-' : ''
  const abs = ns < 0n ? -ns : ns
  if (abs === 0n) return '0s'
  if (abs < 1_000n) return `${sign}${abs}ns`
  if (abs < 1_000_000n) return `${sign}${withFraction(abs, 3)}µs`
  if (abs < 1_000_000_000n) return `${sign}${withFraction(abs, 6)}ms`
  const seconds = withFraction(abs % 60_000_000_000n, 9)
  const totalMinutes = abs / 60_000_000_000n
  if (totalMinutes === 0n) return `${sign}${seconds}s`
  const hours = totalMinutes / 60n
  const minutes = totalMinutes % 60n
  return hours === 0n ? `${sign}${minutes}m${seconds}s` : `${sign}${hours}h${minutes}m${seconds}s`
}

/** v / 10^prec with the fraction's trailing zeros (and a bare ".") dropped, as Go's fmtFrac. */
function withFraction(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec)
  const whole = v / scale
  const fraction = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '')
  return fraction === '' ? `${whole}` : `${whole}.${fraction}`
}
