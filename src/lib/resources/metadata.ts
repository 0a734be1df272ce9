/**
 * `metadata` as every kind shares it (Teleport's api/proto/teleport/header/v1/metadata.proto;
 * types.ts Metadata). Names become file names and URL path segments in storage and in the server's
 * API, so they are checked here, once, at the edge. `revision` is set by storage, never by the
 * user: it is dropped from input.
 */
import type {Metadata} from './types.js'
import {fail, fieldPlace, scalarText, type Place} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {defined, nonEmpty, setOwn} from './values.js'

const METADATA_FIELDS = ['name', 'description', 'labels', 'expires', 'revision'] as const

export const MAX_NAME_BYTES = 253

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Why `name` cannot name a resource, or undefined when it can: it must be safe as one file name
 * and one URL path segment (no "/", "\", ".", "..", control characters, at most 253 UTF-8 bytes).
 */
export function resourceNameProblem(name: string): string | undefined {
  if (name === '') return 'is required'
  if (name === '.' || name === '..') return `must not be ${JSON.stringify(name)}`
  if (name.includes('/')) return 'must not contain "/"'
  if (name.includes('\\')) return 'must not contain "\\"'
  if (CONTROL_CHARACTER.test(name)) return 'must not contain control characters'
  if (LONE_SURROGATE.test(name)) return 'must be valid Unicode'
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes > MAX_NAME_BYTES) return `is too long (${bytes} bytes, the limit is ${MAX_NAME_BYTES})`
  return undefined
}

/**
 * The rule for the name of anything being created (a role, bot, workload identity or join token, and
 * a token's bot_name). Teleport asks only for a non-empty name for these four kinds
 * (api/types/resource.go Metadata.CheckAndSetDefaults; lib/auth/machineid/machineidv1/bot_service.go
 * StrongValidateBot; lib/services/workload_identity.go ValidateWorkloadIdentity), so this rule is our
 * own and deliberately conservative: ASCII letters, digits and `-_.@:` only, starting with a letter,
 * a digit, `_` or `@`. It keeps out look-alike letters (fullwidth, Cyrillic), whitespace, glob
 * characters (`*`) and names that read as flags (`-rf`, `--force`). Names already stored are only
 * held to resourceNameProblem, so an older data directory still reads back.
 */
const NAME_CHARACTER = /^[A-Za-z0-9_.@:-]$/
const NAME_START = /^[A-Za-z0-9_@]/

/** Why `name` cannot name a new resource, or undefined when it can. */
export function newNameProblem(name: string): string | undefined {
  const unsafe = resourceNameProblem(name)
  if (unsafe !== undefined) return unsafe
  const odd = [...name].find((c) => !NAME_CHARACTER.test(c))
  if (odd !== undefined) return `must contain only ASCII letters, digits and "-_.@:", found ${describeCharacter(odd)}`
  if (!NAME_START.test(name)) return `must start with an ASCII letter, a digit, "_" or "@", not ${JSON.stringify(name[0])}`
  return undefined
}

/** `"е" (U+0435)`: the code point tells a Cyrillic or fullwidth letter from the ASCII one it mimics. */
function describeCharacter(c: string): string {
  const codePoint = c.codePointAt(0) ?? 0
  return `${JSON.stringify(c)} (U+${codePoint.toString(16).toUpperCase().padStart(4, '0')})`
}

/** A required string field that names something (metadata.name, a token's bot_name). */
export function readName(fields: FieldReader, key: string): string {
  const name = fields.string(key) ?? ''
  const problem = resourceNameProblem(name)
  if (problem !== undefined) fail(fields.at(key), problem)
  return name
}

/** Teleport's label key alphabet (api/types IsValidLabelKey). */
const LABEL_KEY = /^[a-zA-Z/.0-9_:*-]+$/

function readLabels(fields: FieldReader): Readonly<Record<string, string>> | undefined {
  const labels = fields.mapping('labels')
  if (labels === undefined) return undefined
  const out: Record<string, string> = {}
  for (const key of labels.keys()) {
    if (!LABEL_KEY.test(key)) fail(labels.place, `invalid label key ${JSON.stringify(key)}`)
    setOwn(out, key, scalarText(labels.value[key], fieldPlace(labels.place, key)))
  }
  return Object.keys(out).length > 0 ? out : undefined
}

export function parseMetadata(value: unknown, place: Place): Metadata {
  if (value === undefined || value === null) fail(place, 'is required')
  const fields = FieldReader.of(value, place, METADATA_FIELDS)
  const name = readName(fields, 'name')
  const expiresText = fields.string('expires')
  const expires = expiresText === undefined ? undefined : parseRfc3339(expiresText)
  if (expires === null) {
    fail(fields.at('expires'), `must be an RFC 3339 time such as "2030-01-01T00:00:00Z", got ${JSON.stringify(expiresText)}`)
  }
  return defined({
    name,
    description: nonEmpty(fields.string('description')),
    labels: readLabels(fields),
    expires,
  })
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/**
 * An RFC 3339 time in one canonical spelling, UTC with a `Z` and no trailing fraction zeros
 * ("2030-01-01T00:00:00Z", as Go's RFC3339Nano prints it), or null when `text` is not one.
 * Nanosecond fractions are kept as text, since a JS Date holds only milliseconds.
 */
export function parseRfc3339(text: string): string | null {
  const m = RFC3339.exec(text)
  if (m === null) return null
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  if (hour > 23 || minute > 59 || second > 59) return null
  let offsetMinutes = 0
  if (m[8] === undefined) {
    const offsetHours = Number(m[10])
    const offsetMins = Number(m[11])
    if (offsetHours > 23 || offsetMins > 59) return null
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins)
  }
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute - offsetMinutes, second, 0)
  const utc = date.getUTCFullYear()
  if (utc < 0 || utc > 9999) return null
  const fraction = (m[7] ?? '').replace(/0+$/, '')
  return date.toISOString().slice(0, 19) + (fraction === '' ? '' : `.${fraction}`) + 'Z'
}

/** A time as `metadata.expires` is stored: RFC 3339 in UTC, trailing zeros of the fraction dropped (Go's RFC3339Nano). */
export function formatExpires(time: Date): string {
  return time.toISOString().replace(/\.?0+Z$/, 'Z')
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month, 0)
  return date.getUTCDate()
}
