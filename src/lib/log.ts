/**
 * A small structured logger for the long-running processes (tbot, the server): one line per event on
 * stderr, in Teleport's text layout (lib/utils/log/slog_text_handler.go) or as one JSON object per line
 * (`--log-format json`, lib/utils/log/slog_json_handler.go).
 *
 * Text:  `2024-03-20T10:55:52.123Z INFO [TBOT]      message key:value key2:value2`
 *   - timestamp: RFC 3339 with milliseconds, in UTC (Teleport prints millis in the host's zone);
 *   - level: padded/cut to 4 characters, as Teleport (`DEBU`, `INFO`, `WARN`, `ERRO`);
 *   - component: upper-cased in brackets, padded to 11 characters; a longer one is cut and re-closed
 *     with `]` (`[TBOT:IDEN]`);
 *   - fields: `key:value`; strings with non-printable characters are quoted; errors print `[message]`.
 * JSON: `{"timestamp":"2024-03-20T10:55:52Z","level":"info","component":"tbot","message":"…",…fields}`
 *   with Teleport's level names (`debug`, `info`, `warning`, `error`) and the fields at the top level.
 *
 * Redaction (so secrets never reach a log): a field whose name has a word `token`, `key`, `secret`,
 * `jwt`, `private` or `password` (split on `_ - .` and camelCase: `join_token`, `privateKey`,
 * `svid.jwt`) prints as `[REDACTED]`, at any depth of a nested object. Independently of names, a string
 * value that holds a PEM private key or looks like a compact JWT is redacted too. Messages themselves
 * are not rewritten: callers never put secrets in a message.
 */
import {once} from 'node:events'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFormat = 'text' | 'json'
export type LogFields = Readonly<Record<string, unknown>>

export const REDACTED = '[REDACTED]'

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger that adds these fields to every line. */
  with(fields: LogFields): Logger
  /** A logger for a sub-component, printed `[TBOT:X509]`-style. */
  child(component: string): Logger
  enabled(level: LogLevel): boolean
}

export interface LoggerOptions {
  readonly level?: LogLevel
  readonly format?: LogFormat
  /** Teleport's component names are lower case (`tbot`); text output upper-cases them. */
  readonly component?: string
  /** Where each finished line goes (with its trailing newline); stderr by default. */
  readonly write?: (line: string) => void
  readonly now?: () => Date
}

const LEVEL_RANK: Record<LogLevel, number> = {debug: 0, info: 1, warn: 2, error: 3}
const TEXT_LEVEL: Record<LogLevel, string> = {debug: 'DEBU', info: 'INFO', warn: 'WARN', error: 'ERRO'}
const JSON_LEVEL: Record<LogLevel, string> = {debug: 'debug', info: 'info', warn: 'warning', error: 'error'}
const COMPONENT_PADDING = 11
const RESERVED_JSON_KEYS = new Set(['timestamp', 'level', 'component', 'message'])
const SECRET_WORDS = new Set(['token', 'key', 'secret', 'jwt', 'private', 'password'])

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink: Sink = {
    minRank: LEVEL_RANK[options.level ?? 'info'],
    format: options.format ?? 'text',
    write: options.write ?? ((line) => process.stderr.write(line)),
    now: options.now ?? (() => new Date()),
  }
  return new SinkLogger(sink, options.component ?? '', {})
}

/**
 * Resolves once `stream` has handed every write to the system: a pipe that is full queues them, and
 * a process that exits (src/cli/run.ts) drops what is queued.
 */
export async function drained(stream: NodeJS.WritableStream & {readonly writableNeedDrain?: boolean}): Promise<void> {
  if (stream.writableNeedDrain === true) await once(stream, 'drain')
}

/** A logger that drops everything (tests, library defaults). */
export const discardLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  with() { return discardLogger },
  child() { return discardLogger },
  enabled() { return false },
}

/** `--log-level`/`debug` values, as Teleport accepts them. */
export function parseLogLevel(text: string): LogLevel {
  switch (text.trim().toLowerCase()) {
    case '': case 'info': return 'info'
    case 'debug': case 'trace': return 'debug'
    case 'warn': case 'warning': return 'warn'
    case 'err': case 'error': return 'error'
    default: throw new TypeError(`unsupported logger severity: "${text}"`)
  }
}

export function parseLogFormat(text: string): LogFormat {
  const value = text.trim().toLowerCase()
  if (value === '' || value === 'text') return 'text'
  if (value === 'json') return 'json'
  throw new TypeError(`unsupported log output format : "${text}"`)
}

/** True when a field of this name must never be logged in clear. */
export function isSecretFieldName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
  return words.some((w) => SECRET_WORDS.has(w))
}

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/
const COMPACT_JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Fields with secrets replaced by `[REDACTED]` (see the module comment). */
export function redactFields(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(fields)) {
    out[name] = isSecretFieldName(name) ? REDACTED : redactValue(value)
  }
  return out
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return PEM_PRIVATE_KEY.test(value) || COMPACT_JWT.test(value) ? REDACTED : value
  if (Array.isArray(value)) return value.map(redactValue)
  if (isPlainObject(value)) return redactFields(value)
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

interface Sink {
  readonly minRank: number
  readonly format: LogFormat
  readonly write: (line: string) => void
  readonly now: () => Date
}

class SinkLogger implements Logger {
  constructor(
    private readonly sink: Sink,
    private readonly component: string,
    private readonly preset: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void { this.log('debug', message, fields) }
  info(message: string, fields?: LogFields): void { this.log('info', message, fields) }
  warn(message: string, fields?: LogFields): void { this.log('warn', message, fields) }
  error(message: string, fields?: LogFields): void { this.log('error', message, fields) }

  with(fields: LogFields): Logger {
    return new SinkLogger(this.sink, this.component, {...this.preset, ...fields})
  }

  child(component: string): Logger {
    const name = this.component === '' ? component : `${this.component}:${component}`
    return new SinkLogger(this.sink, name, this.preset)
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= this.sink.minRank
  }

  private log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return
    const all = redactFields(fields === undefined ? this.preset : {...this.preset, ...fields})
    const time = this.sink.now()
    const line = this.sink.format === 'json'
      ? formatJsonLine(time, level, this.component, message, all)
      : formatTextLine(time, level, this.component, message, all)
    this.sink.write(line + '\n')
  }
}

export function formatTextLine(time: Date, level: LogLevel, component: string, message: string, fields: LogFields): string {
  const parts = [time.toISOString(), TEXT_LEVEL[level], formatComponent(component), textString(message)]
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    parts.push(`${textString(key)}:${textValue(value)}`)
  }
  return parts.join(' ')
}

export function formatJsonLine(time: Date, level: LogLevel, component: string, message: string, fields: LogFields): string {
  const record: Record<string, unknown> = {
    timestamp: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    level: JSON_LEVEL[level],
    component,
    message,
  }
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    record[RESERVED_JSON_KEYS.has(key) ? `field_${key}` : key] = jsonValue(value)
  }
  return JSON.stringify(record)
}

/** `[TBOT]` padded to 11; a longer name is cut and closed again (Teleport's formatComponent). */
function formatComponent(component: string): string {
  const bracketed = `[${component}]`.toUpperCase()
  if (bracketed.length <= COMPONENT_PADDING) return bracketed.padEnd(COMPONENT_PADDING, ' ')
  return bracketed.slice(0, COMPONENT_PADDING - 1) + ']'
}

function textString(text: string): string {
  // Go's unicode.IsPrint: control characters (and other non-printables) force a quoted form.
  return /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text) ? JSON.stringify(text) : text
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return textString(value)
  if (value instanceof Error) return `[${textString(value.message)}]`
  if (value instanceof Date) return value.toISOString()
  if (value === null) return '<nil>'
  if (Array.isArray(value)) return `[${value.map(textValue).join(' ')}]`
  if (typeof value === 'object') return JSON.stringify(jsonValue(value))
  return String(value)
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Error) return value.message
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(jsonValue)
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]))
  }
  return value
}
