/**
 * Reading untrusted decoded YAML/JSON field by field, with the path of every value kept so that
 * each error names it: `spec.rules.allow[0].conditions[1].attribute: must be non-empty`
 * (teleport.md §2 message style). Null counts as absent, as protojson treats it.
 */
import {BadParameterError, InputError, type InputLocation} from '../errors.js'
import {parseDuration} from '../duration.js'
import type {JsonValue} from './types.js'

/** Where a value sits: the file and document it came from, and its field path inside. */
export interface Place {
  readonly loc: InputLocation
  readonly path: string
}

export function rootPlace(loc: InputLocation): Place {
  const {file, document} = loc
  return {loc: defined({file, document}), path: ''}
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

export function fail(place: Place, reason: string): never {
  throw new InputError(place.path === '' ? place.loc : {...place.loc, field: place.path}, reason)
}

/** "a string", "a list", "a mapping", ... for `must be X, got Y` messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return 'a list'
  switch (typeof value) {
    case 'string': return 'a string'
    case 'number': return Number.isFinite(value) ? 'a number' : `the number ${String(value)}`
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

/** Numbers and booleans are accepted where a string is stored (labels, `eq.value`) as their text. */
export function scalarText(value: unknown, place: Place): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value)
  return fail(place, `must be a string, got ${describe(value)}`)
}

/** The fields of one mapping in the input. */
export class FieldReader {
  private constructor(readonly value: Readonly<Record<string, unknown>>, readonly place: Place) {}

  /** A required mapping; with `known`, any other key is an `unknown field` error. */
  static of(value: unknown, place: Place, known?: readonly string[]): FieldReader {
    if (!isPlainObject(value)) return fail(place, `must be a mapping, got ${describe(value)}`)
    const reader = new FieldReader(value, place)
    if (known !== undefined) reader.rejectUnknown(known)
    return reader
  }

  static optional(value: unknown, place: Place, known?: readonly string[]): FieldReader | undefined {
    return isAbsent(value) ? undefined : FieldReader.of(value, place, known)
  }

  rejectUnknown(known: readonly string[]): void {
    const unknown = this.keys().find((key) => !known.includes(key))
    if (unknown !== undefined) fail(this.place, `unknown field ${JSON.stringify(unknown)}`)
  }

  keys(): string[] {
    return Object.keys(this.value)
  }

  at(key: string): Place {
    return fieldPlace(this.place, key)
  }

  /** The raw value, undefined when absent or null. */
  get(key: string): unknown {
    if (!Object.hasOwn(this.value, key)) return undefined
    const value = this.value[key]
    return value === null ? undefined : value
  }

  has(key: string): boolean {
    return this.get(key) !== undefined
  }

  string(key: string): string | undefined {
    const value = this.get(key)
    if (value === undefined || typeof value === 'string') return value
    return fail(this.at(key), `must be a string, got ${describe(value)}`)
  }

  /** A string that must be present and non-empty (`is required` otherwise, Teleport's wording). */
  requiredString(key: string): string {
    const value = this.string(key)
    if (value === undefined || value === '') return fail(this.at(key), 'is required')
    return value
  }

  mapping(key: string, known?: readonly string[]): FieldReader | undefined {
    return FieldReader.optional(this.get(key), this.at(key), known)
  }

  list(key: string): Array<{readonly value: unknown; readonly place: Place}> | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (!Array.isArray(value)) return fail(this.at(key), `must be a list, got ${describe(value)}`)
    const place = this.at(key)
    return value.map((item: unknown, i) => ({value: item, place: itemPlace(place, i)}))
  }

  stringList(key: string): string[] | undefined {
    return this.list(key)?.map(({value, place}) =>
      typeof value === 'string' ? value : fail(place, `must be a string, got ${describe(value)}`))
  }

  /** A non-negative duration in milliseconds (Go syntax, protojson "3600s", or bare seconds). */
  duration(key: string): number | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (typeof value !== 'string' && typeof value !== 'number') {
      return fail(this.at(key), `must be a duration such as "1h" or "3600s", got ${describe(value)}`)
    }
    let ms: number
    try {
      ms = parseDuration(value)
    } catch (err) {
      if (err instanceof BadParameterError) return fail(this.at(key), err.message)
      throw err
    }
    if (ms < 0) return fail(this.at(key), 'must not be negative')
    return ms
  }
}

/** How deep any kept JSON value may nest, so later recursive code cannot exhaust the stack. */
export const MAX_JSON_DEPTH = 32

/** A decoded value as strict JSON (finite numbers, plain mappings), copied into fresh objects. */
export function toJsonValue(value: unknown, place: Place, depth = 0): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : fail(place, `must be a finite number, got ${String(value)}`)
  }
  if (depth >= MAX_JSON_DEPTH) return fail(place, `is nested too deeply (the limit is ${MAX_JSON_DEPTH} levels)`)
  if (Array.isArray(value)) return value.map((item: unknown, i) => toJsonValue(item, itemPlace(place, i), depth + 1))
  if (!isPlainObject(value)) return fail(place, `must be JSON data, got ${describe(value)}`)
  const out: {[key: string]: JsonValue} = {}
  for (const [key, item] of Object.entries(value)) setOwn(out, key, toJsonValue(item, fieldPlace(place, key), depth + 1))
  return out
}

/** Assignment that also makes `__proto__` an ordinary own key instead of changing the prototype. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true})
}

/** A copy without the keys whose value is undefined, keeping key order (output must be stable). */
export function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) if (item !== undefined) setOwn(out, key, item)
  return out as T
}

/** `undefined` for an empty string or list: proto3 does not keep them, so neither do we. */
export function nonEmpty<T extends string | readonly unknown[]>(value: T | undefined): T | undefined {
  return value === undefined || value.length === 0 ? undefined : value
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}
