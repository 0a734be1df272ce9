/**
 * `role` v3..v8 (Teleport's api/types/role.go). Roles carry many fields this program does not use;
 * those are kept as they came (as JSON values), so `tctl get` gives back what `tctl create` was
 * given. The fields issuance relies on are checked: workload_identity_labels (a value or a list of
 * values per key, stored as lists), workload_identity_labels_expression, rules (resources and
 * verbs) and logins.
 */
import type {InputLocation} from '../errors.js'
import type {JsonValue, Role, RoleConditions, RoleRule} from './types.js'
import {fail, fieldPlace, itemPlace, rootPlace, scalarText, type Place} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {defined, setOwn, toJsonValue} from './values.js'
import {parseMetadata} from './metadata.js'

export const ROLE_VERSIONS = ['v3', 'v4', 'v5', 'v6', 'v7', 'v8'] as const

const CONDITION_FIELDS = ['workload_identity_labels', 'workload_identity_labels_expression', 'rules', 'logins']
const RULE_FIELDS = ['resources', 'verbs', 'where']

export function parseRole(value: unknown, loc: InputLocation): Role {
  const top = FieldReader.of(value, rootPlace(loc), ['kind', 'version', 'metadata', 'spec'])
  if (top.get('kind') !== 'role') fail(top.at('kind'), 'must be "role"')
  const version = readVersion(top)
  const metadata = parseMetadata(top.get('metadata'), top.at('metadata'))
  return {kind: 'role', version, metadata, spec: parseSpec(top.mapping('spec'))}
}

function readVersion(top: FieldReader): Role['version'] {
  const version = top.get('version')
  if (version === undefined) fail(top.at('version'), 'is required')
  const known = ROLE_VERSIONS.find((v) => v === version)
  if (known === undefined) {
    const shown = typeof version === 'string' ? JSON.stringify(version) : String(version)
    fail(top.at('version'), `role version ${shown} is not supported, use one of ${ROLE_VERSIONS.join(', ')}`)
  }
  return known
}

function parseSpec(spec: FieldReader | undefined): Role['spec'] {
  if (spec === undefined) return {}
  const out: Record<string, unknown> = defined({
    allow: parseConditions(spec.mapping('allow')),
    deny: parseConditions(spec.mapping('deny')),
    options: spec.mapping('options') && (toJsonValue(spec.get('options'), spec.at('options')) as Record<string, JsonValue>),
  })
  keepOthers(spec, ['allow', 'deny', 'options'], out)
  return out
}

/** Copies the fields this program does not model, in input order, after the ones it does. */
function keepOthers(fields: FieldReader, modelled: readonly string[], out: Record<string, unknown>): void {
  for (const key of fields.keys()) {
    if (modelled.includes(key)) continue
    const value = fields.get(key)
    if (value !== undefined) setOwn(out, key, toJsonValue(value, fields.at(key)))
  }
}

function parseConditions(conditions: FieldReader | undefined): RoleConditions | undefined {
  if (conditions === undefined) return undefined
  const out: Record<string, unknown> = defined({
    workload_identity_labels: parseLabelSelector(conditions.mapping('workload_identity_labels')),
    workload_identity_labels_expression: conditions.string('workload_identity_labels_expression'),
    rules: conditions.list('rules')?.map((r) => parseRule(r.value, r.place)),
    logins: conditions.stringList('logins'),
  })
  keepOthers(conditions, CONDITION_FIELDS, out)
  return out as RoleConditions
}

/** `key: value` and `key: [values]` are both accepted (Teleport's Labels type); stored as lists. */
function parseLabelSelector(selector: FieldReader | undefined): Record<string, string[]> | undefined {
  if (selector === undefined) return undefined
  const out: Record<string, string[]> = {}
  for (const key of selector.keys()) {
    const value = selector.value[key]
    const place = fieldPlace(selector.place, key)
    const values = Array.isArray(value)
      ? value.map((item: unknown, i) => scalarText(item, itemPlace(place, i)))
      : [scalarText(value, place)]
    setOwn(out, key, values)
  }
  return out
}

function parseRule(value: unknown, place: Place): RoleRule {
  const rule = FieldReader.of(value, place)
  const resources = rule.stringList('resources') ?? []
  if (resources.length === 0) fail(rule.at('resources'), 'must be non-empty')
  const verbs = rule.stringList('verbs') ?? []
  if (verbs.length === 0) fail(rule.at('verbs'), 'must be non-empty')
  const out: Record<string, unknown> = defined({resources, verbs, where: rule.string('where')})
  keepOthers(rule, RULE_FIELDS, out)
  return out as unknown as RoleRule
}
