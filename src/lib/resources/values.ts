/**
 * Shaping parsed resources into their stored form: strict JSON copies, keys in canonical order, absent
 * and empty values dropped as proto3 drops them, frozen, so printing is stable and printing then
 * parsing gives an equal value.
 */
import {failType, fail, fieldPlace, isPlainObject, itemPlace, type Place} from '../document/place.js'
import type {JsonValue} from './types.js'

/** How deep any kept JSON value may nest, so later recursive code cannot exhaust the stack. */
export const MAX_JSON_DEPTH = 32

/** A decoded value as strict JSON (finite numbers, plain mappings), copied into fresh objects. */
export function toJsonValue(value: unknown, place: Place, depth = 0): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : failType(place, 'a finite number', value)
  if (depth >= MAX_JSON_DEPTH) return fail(place, `is nested too deeply (the limit is ${MAX_JSON_DEPTH} levels)`)
  if (Array.isArray(value)) return value.map((item: unknown, i) => toJsonValue(item, itemPlace(place, i), depth + 1))
  if (!isPlainObject(value)) return failType(place, 'JSON data', value)
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
