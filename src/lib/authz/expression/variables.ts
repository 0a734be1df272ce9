/**
 * The attribute variables of workload identity expressions (Teleport's `protoMessageVariables` over
 * the Attrs proto), built from the attribute schema:
 * - every scalar field is a variable named by its dotted path (`workload.unix.pid`);
 * - reading a field of an unset sub-message is an error `<ancestors> is unset`;
 * - maps are indexable (`user.labels.env`, `user.labels["env"]`); a missing key is an error;
 * - in templates (not in rules) an empty string field is an error `<path> is unset`;
 * - `user.traits.<k>` is a set in rules, and must hold exactly one value in templates.
 */
import type {Attributes} from '../attributes.js'
import {ATTRS_SCHEMA, type FieldKind, type MessageSchema} from '../attribute-schema.js'
import {readMap, readScalar, readTrait, resolveMessage} from '../attribute-values.js'
import {ExpressionError} from './errors.js'
import {expr, type Built} from './typed.js'
import {StringSet, T, Uint64, type TypeName, type Value} from './values.js'

export interface AttrsEnv {
  readonly attrs: Attributes
}

export type VariableMode = 'rule' | 'template'

export function attributeVariables(mode: VariableMode): ReadonlyMap<string, Built<AttrsEnv>> {
  const vars = new Map<string, Built<AttrsEnv>>()
  addMessage(vars, ATTRS_SCHEMA, [], mode)
  vars.set('user.traits', mode === 'rule' ? traitsAsSet : traitsAsString)
  return vars
}

function addMessage(vars: Map<string, Built<AttrsEnv>>, schema: MessageSchema, ancestors: readonly string[], mode: VariableMode): void {
  for (const [field, fieldSchema] of Object.entries(schema.fields)) {
    const path = [...ancestors, field]
    if (fieldSchema.kind === 'message') addMessage(vars, fieldSchema, path, mode)
    else if (fieldSchema.kind === 'map') vars.set(path.join('.'), mapVariable(ancestors, field))
    else if (fieldSchema.kind !== 'repeated' && fieldSchema.kind !== 'traits') {
      vars.set(path.join('.'), scalarVariable(ancestors, field, fieldSchema.kind, mode))
    }
  }
}

function messageOf(env: AttrsEnv, ancestors: readonly string[]): Readonly<Record<string, unknown>> {
  const resolved = resolveMessage(env.attrs, ancestors)
  if ('unset' in resolved) throw new ExpressionError(`${resolved.unset} is unset`)
  return resolved.message
}

const SCALAR_TYPES: Readonly<Record<string, TypeName>> = {string: T.string, bool: T.bool, int: T.int, uint: T.uint64}

function scalarVariable(ancestors: readonly string[], field: string, kind: FieldKind, mode: VariableMode): Built<AttrsEnv> {
  const name = [...ancestors, field].join('.')
  return expr(SCALAR_TYPES[kind] ?? T.string, (env) => {
    const value = readScalar(messageOf(env, ancestors), field, kind)
    if (kind === 'uint') return new Uint64(value as bigint)
    if (value === '' && mode === 'template') throw new ExpressionError(`${name} is unset`)
    return value
  })
}

function mapVariable(ancestors: readonly string[], field: string): Built<AttrsEnv> {
  return {
    tag: 'map',
    valueType: T.string,
    get: (env, key) => {
      const map = readMap(messageOf(env, ancestors), field)
      const value = map[key]
      if (value === undefined) throw new ExpressionError(`no value for key: ${JSON.stringify(key)}`)
      return value
    },
  }
}

const traitsAsSet: Built<AttrsEnv> = {
  tag: 'map',
  valueType: T.set,
  get: (env, key): Value => new StringSet(readTrait(env.attrs, key)),
}

const traitsAsString: Built<AttrsEnv> = {
  tag: 'map',
  valueType: T.string,
  get: (env, key): Value => {
    const values = readTrait(env.attrs, key)
    if (values.length === 1) return values[0] as string
    if (values.length === 0) throw new ExpressionError(`no value for trait: ${JSON.stringify(key)}`)
    throw new ExpressionError(`trait \`${key}\` has multiple values (${values.join(', ')}), only single-value traits may be used in a template`)
  },
}
