/**
 * Attributes for `tctl workload-identity test`, in the attribute namespace rules and templates use
 * (Teleport's api/proto/teleport/workloadidentity/v1/attrs.proto): a YAML or JSON mapping, nested
 * (`workload: {unix: {uid: 1000}}`) or with dotted keys (`workload.unix.uid: 1000`), or both. Every
 * key is checked against the attribute schema (attribute-schema.ts), so a typo is an error naming
 * the file and the key instead of an attribute that silently reads as unset; join attributes added
 * to the schema are accepted without a change here.
 */
import type {Attributes} from '../authz/attributes.js'
import {ATTRS_SCHEMA, type MessageSchema} from '../authz/attribute-schema.js'
import {decodeDocument} from '../document/decode.js'
import {InputError} from '../errors.js'
import {readInputFile} from './read-file.js'

type Obj = Record<string, unknown>

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export async function readAttributesFile(path: string): Promise<Attributes> {
  const value = decodeDocument(await readInputFile(path, 'attributes'), path)
  if (!isObject(value)) throw new InputError({file: path}, 'expected a mapping of attributes (workload, user, join)')
  const nested = expandDottedKeys(value, path)
  checkAgainstSchema(nested, ATTRS_SCHEMA, [], path)
  return nested as Attributes
}

/** `a.b.c: v` becomes `{a: {b: {c: v}}}`, merged with what is already nested. */
function expandDottedKeys(value: Obj, file: string): Obj {
  const out: Obj = {}
  for (const [key, v] of Object.entries(value)) {
    const parts = key.split('.')
    let at = out
    for (const part of parts.slice(0, -1)) {
      const next = at[part] ?? {}
      if (!isObject(next)) throw new InputError({file}, `attribute "${key}": "${part}" is both a value and a message`)
      at[part] = next
      at = next
    }
    const last = parts[parts.length - 1] as string
    const merged = isObject(v) ? expandDottedKeys(v, file) : v
    const existing = at[last]
    at[last] = isObject(existing) && isObject(merged) ? {...existing, ...merged} : merged
  }
  return out
}

function checkAgainstSchema(value: Obj, schema: MessageSchema, path: readonly string[], file: string): void {
  for (const [key, v] of Object.entries(value)) {
    const at = [...path, key].join('.')
    const field = schema.fields[key]
    if (field === undefined) throw new InputError({file}, `attribute "${at}" not found`)
    if (field.kind === 'message') {
      if (!isObject(v)) throw new InputError({file}, `attribute "${at}" must be a mapping`)
      checkAgainstSchema(v, field, [...path, key], file)
    } else if ((field.kind === 'map' || field.kind === 'traits') && !isObject(v)) {
      throw new InputError({file}, `attribute "${at}" must be a mapping`)
    } else if (field.kind === 'repeated' && !Array.isArray(v)) {
      throw new InputError({file}, `attribute "${at}" must be a list`)
    }
  }
}
