/**
 * Where a value sits in decoded input (the file, the document, the field path inside) and the one way
 * to fail there: an InputError whose message names all three, `wi.yaml: document 2: spec.x: reason`.
 */
import {InputError, type InputLocation} from '../errors.js'

/** Where a value sits: the input it came from (file, document) and its field path inside. */
export interface Place {
  readonly loc: InputLocation
  readonly path: string
}

export function rootPlace(loc: InputLocation): Place {
  const {file, document} = loc
  return {loc: {...(file !== undefined ? {file} : {}), ...(document !== undefined ? {document} : {})}, path: ''}
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `a.b` for plain keys, `a["teleport.dev/origin"]` for keys that are not identifiers. */
export function fieldPlace(place: Place, key: string): Place {
  const step = IDENTIFIER.test(key) ? key : `[${JSON.stringify(key)}]`
  const path = place.path === '' || step.startsWith('[') ? place.path + step : `${place.path}.${step}`
  return {loc: place.loc, path}
}

export function itemPlace(place: Place, index: number): Place {
  return {loc: place.loc, path: `${place.path}[${index}]`}
}

export function fail(place: Place, reason: string, cause?: unknown): never {
  const loc = place.path === '' ? place.loc : {...place.loc, field: place.path}
  throw new InputError(loc, reason, cause === undefined ? undefined : {cause})
}

/** The one wrong-type wording: `must be <expected>, got <what the value is>`. */
export function failType(place: Place, expected: string, value: unknown): never {
  return fail(place, `must be ${expected}, got ${describe(value)}`)
}

/** Explains unknown fields: given one unknown field's name, a hint or undefined. */
export type UnknownFieldHint = (field: string) => string | undefined

/** The one unknown-field wording: `unknown field "x"`, `unknown fields "x", "y"`, and a hint if any. */
export function failUnknownFields(place: Place, unknown: readonly string[], hint?: UnknownFieldHint): void {
  if (unknown.length === 0) return
  const names = unknown.map((key) => JSON.stringify(key)).join(', ')
  const why = hint === undefined ? undefined : unknown.map(hint).find((h) => h !== undefined)
  fail(place, `unknown field${unknown.length > 1 ? 's' : ''} ${names}${why === undefined ? '' : ` (${why})`}`)
}

/** "a string", "a list", "a mapping", ... for `must be X, got Y` messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return 'a list'
  switch (typeof value) {
    case 'string': return 'a string'
    case 'number': return Number.isFinite(value) ? 'a number' : String(value) // Infinity, NaN
    case 'boolean': return 'a boolean'
    case 'object': return isPlainObject(value) ? 'a mapping' : 'binary data'
    default: return `a ${typeof value}`
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined
}

/**
 * A scalar as text: numbers and booleans are accepted where text is stored (labels, `eq.value`, and
 * every string of tbot's config, as Go's YAML decoder reads `name: 123` into a string field).
 */
export function scalarText(value: unknown, place: Place): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value)
  return failType(place, 'a string', value)
}
