/**
 * The `conditions` form of workload identity rules addresses attributes by dotted path
 * (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto; Teleport's `getFieldStringValue`): the leaf must be a string, bool or integer and
 * is compared as a string (`true`, `1000`); unset sub-messages read as zero values, never an error;
 * an unknown segment is an error `attribute "<seg>" not found`, detected from the schema even when
 * the attributes are absent.
 *
 * Extension (Teleport would crash here): a map or trait field followed by one more segment reads
 * that key (`user.labels.env`, `user.traits.logins`); a missing key reads as "", a trait with
 * several values is an error.
 */
import {BadParameterError, NotFoundError} from '../errors.js'
import type {Attributes} from './attributes.js'
import {ATTRS_SCHEMA, type FieldSchema, type MessageSchema} from './attribute-schema.js'
import {readList, readMap, readScalar, readTrait, scalarToString} from './attribute-values.js'

type Obj = Readonly<Record<string, unknown>>

export function lookupAttribute(attrs: Attributes, path: string): string {
  const parts = path.split('.')
  let schema: MessageSchema = ATTRS_SCHEMA
  let message: Obj | undefined = attrs as Obj
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    const field: FieldSchema | undefined = schema.fields[part]
    if (field === undefined) throw new NotFoundError(`attribute "${part}" not found`)
    const isLast = i === parts.length - 1
    if (field.kind === 'message') {
      if (isLast) throw notConvertible(part)
      schema = field
      const next: unknown = message?.[part]
      message = typeof next === 'object' && next !== null ? (next as Obj) : undefined
      continue
    }
    if (field.kind === 'map' || field.kind === 'traits') {
      if (isLast) throw notConvertible(part)
      return readKeyed(attrs, message, part, field.kind, parts.slice(i + 1), path)
    }
    if (!isLast) throw new BadParameterError(`attribute "${part}" is not a message`)
    if (field.kind === 'repeated') return `&[${readList(message, part).join(' ')}]`
    return scalarToString(readScalar(message, part, field.kind))
  }
  return ''
}

function notConvertible(part: string): BadParameterError {
  return new BadParameterError(`attribute "${part}" of type "message" cannot be converted to string`)
}

function readKeyed(attrs: Attributes, message: Obj | undefined, field: string, kind: 'map' | 'traits', rest: readonly string[], path: string): string {
  const [key, extra] = rest
  if (extra !== undefined) throw new NotFoundError(`attribute "${extra}" not found`)
  if (key === undefined) return ''
  if (kind === 'map') return readMap(message, field)[key] ?? ''
  const values = readTrait(attrs, key)
  if (values.length > 1) {
    throw new BadParameterError(`attribute "${path}" has multiple values (${values.join(', ')}), only single-value traits may be used in conditions`)
  }
  return values[0] ?? ''
}
