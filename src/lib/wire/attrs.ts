/**
 * `workload_attrs` on the wire: what tbot attested about the calling workload (teleport.md §9
 * IssueWorkloadIdentity.workload_attrs). The server trusts a bot for them, as Teleport does, but not
 * their shape: they are checked against the attribute schema (authz/attribute-schema.ts) so rules
 * and templates only ever see the types they expect.
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import {ATTRS_SCHEMA, type FieldSchema} from '../authz/attribute-schema.js'
import {BadParameterError} from '../errors.js'
import {isRecord} from './reader.js'

const WORKLOAD_SCHEMA = ATTRS_SCHEMA.fields.workload!
const MAX_DEPTH = 6

function fail(path: string, reason: string): never {
  throw new BadParameterError(`${path}: ${reason}`)
}

function isStringMap(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string')
}

function check(value: unknown, schema: FieldSchema, path: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(path, 'is nested too deeply')
  switch (schema.kind) {
    case 'message': {
      if (!isRecord(value)) return fail(path, 'must be an object')
      for (const [name, v] of Object.entries(value)) {
        // Own properties only: a JSON `__proto__` key must not find Object.prototype.
        if (!Object.hasOwn(schema.fields, name)) fail(`${path}.${name}`, 'unknown attribute')
        check(v, schema.fields[name]!, `${path}.${name}`, depth + 1)
      }
      return
    }
    case 'string': return void (typeof value === 'string' || fail(path, 'must be a string'))
    case 'bool': return void (typeof value === 'boolean' || fail(path, 'must be true or false'))
    case 'int': return void (Number.isSafeInteger(value) || fail(path, 'must be an integer'))
    case 'uint': return void ((Number.isSafeInteger(value) && (value as number) >= 0) || fail(path, 'must be a non-negative integer'))
    case 'map': return void (isStringMap(value) || fail(path, 'must map strings to strings'))
    case 'repeated': return void ((Array.isArray(value) && value.every((v) => typeof v === 'string')) || fail(path, 'must be a list of strings'))
    case 'traits': {
      const ok = isRecord(value) && Object.values(value).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'))
      return void (ok || fail(path, 'must map strings to lists of strings'))
    }
  }
}

/** A request's `workload_attrs`, checked; undefined when absent. */
export function parseWorkloadAttrs(value: unknown, path = 'workload_attrs'): WorkloadAttrs | undefined {
  if (value === undefined || value === null) return undefined
  check(value, WORKLOAD_SCHEMA, path, 0)
  return value as WorkloadAttrs
}
