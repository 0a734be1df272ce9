/**
 * `workload_attrs` on the wire: what tbot attested about the calling workload (Teleport's
 * api/proto/teleport/workloadidentity/v1/attrs.proto, IssueWorkloadIdentityRequest.workload_attrs).
 * The server trusts a bot for them, as Teleport does, but not their shape: they are checked against
 * the attribute schema (authz/attribute-schema.ts) so rules and templates only ever see the types
 * they expect. Failures use the field reader's wordings (document/fields.ts).
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import {ATTRS_SCHEMA, type FieldSchema} from '../authz/attribute-schema.js'
import {fail, failType, failUnknownFields, fieldPlace, isPlainObject, itemPlace, rootPlace, type Place} from '../document/place.js'

const WORKLOAD_SCHEMA = ATTRS_SCHEMA.fields.workload!
const MAX_DEPTH = 6

function checkStrings(value: unknown, place: Place): void {
  if (!Array.isArray(value)) return failType(place, 'a list', value)
  value.forEach((item: unknown, i) => typeof item === 'string' || failType(itemPlace(place, i), 'a string', item))
}

function checkMap(value: unknown, place: Place, checkValue: (v: unknown, at: Place) => void): void {
  if (!isPlainObject(value)) return failType(place, 'a mapping', value)
  for (const [key, item] of Object.entries(value)) checkValue(item, fieldPlace(place, key))
}

function check(value: unknown, schema: FieldSchema, place: Place, depth: number): void {
  if (depth > MAX_DEPTH) fail(place, 'is nested too deeply')
  switch (schema.kind) {
    case 'message': {
      if (!isPlainObject(value)) return failType(place, 'a mapping', value)
      // Own properties only: a JSON `__proto__` key must not find Object.prototype.
      failUnknownFields(place, Object.keys(value).filter((name) => !Object.hasOwn(schema.fields, name)))
      for (const [name, v] of Object.entries(value)) check(v, schema.fields[name]!, fieldPlace(place, name), depth + 1)
      return
    }
    case 'string': return void (typeof value === 'string' || failType(place, 'a string', value))
    case 'bool': return void (typeof value === 'boolean' || failType(place, 'true or false', value))
    case 'int': return void (Number.isSafeInteger(value) || failType(place, 'an integer', value))
    case 'uint': return void ((Number.isSafeInteger(value) && (value as number) >= 0) || failType(place, 'a non-negative integer', value))
    case 'map': return checkMap(value, place, (v, at) => typeof v === 'string' || failType(at, 'a string', v))
    case 'repeated': return checkStrings(value, place)
    case 'traits': return checkMap(value, place, checkStrings)
  }
}

/** A request's `workload_attrs`, checked; undefined when absent. */
export function parseWorkloadAttrs(value: unknown, place: Place = fieldPlace(rootPlace({}), 'workload_attrs')): WorkloadAttrs | undefined {
  if (value === undefined || value === null) return undefined
  check(value, WORKLOAD_SCHEMA, place, 0)
  return value as WorkloadAttrs
}
