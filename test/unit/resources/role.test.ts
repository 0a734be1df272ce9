import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {parseResourceValue, parseResources} from '../../../src/lib/resources/parse.js'
import {ROLE_VERSIONS, parseRole} from '../../../src/lib/resources/role.js'
import type {Role} from '../../../src/lib/resources/types.js'

const LOC = {file: 'role.yaml', document: 1}
const role = (spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({kind: 'role', version: 'v6', metadata: {name: 'r'}, spec, ...extra})

function messageFor(value: unknown): string {
  try {
    parseResourceValue(value, LOC)
  } catch (err) {
    assert.ok(err instanceof InputError)
    return err.message
  }
  return assert.fail('expected an InputError')
}

describe('role: versions', () => {
  for (const version of ROLE_VERSIONS) {
    it(`${version} is accepted`, () => assert.equal((parseResourceValue(role({}, {version}), LOC) as Role).version, version))
  }
  it('others are refused, naming the version', () => {
    assert.equal(messageFor(role({}, {version: 'v9'})),
      'role.yaml: document 1: version: role version "v9" is not supported, use one of v3, v4, v5, v6, v7, v8')
    assert.equal(messageFor(role({}, {version: 'v1'})),
      'role.yaml: document 1: version: role version "v1" is not supported, use one of v3, v4, v5, v6, v7, v8')
    assert.equal(messageFor(role({}, {version: 6})),
      'role.yaml: document 1: version: role version 6 is not supported, use one of v3, v4, v5, v6, v7, v8')
    assert.equal(messageFor(role({}, {version: undefined})), 'role.yaml: document 1: version: is required')
  })
})

describe('role: validated fields', () => {
  const cases: Array<[string, unknown, string]> = [
    ['metadata.name missing', role({}, {metadata: {}}), 'metadata.name: is required'],
    ['spec a list', role([]), 'spec: must be a mapping, got a list'],
    ['allow a string', role({allow: 'all'}), 'spec.allow: must be a mapping, got a string'],
    ['labels a list', role({allow: {workload_identity_labels: ['a']}}),
      'spec.allow.workload_identity_labels: must be a mapping, got a list'],
    ['label value a mapping', role({deny: {workload_identity_labels: {team: {a: 1}}}}),
      'spec.deny.workload_identity_labels.team: must be a string, got a mapping'],
    ['label value list holding a list', role({allow: {workload_identity_labels: {team: ['a', ['b']]}}}),
      'spec.allow.workload_identity_labels.team[1]: must be a string, got a list'],
    ['label value null', role({allow: {workload_identity_labels: {team: null}}}),
      'spec.allow.workload_identity_labels.team: must be a string, got null'],
    ['labels expression a list', role({allow: {workload_identity_labels_expression: []}}),
      'spec.allow.workload_identity_labels_expression: must be a string, got a list'],
    ['rules a mapping', role({allow: {rules: {resources: ['x']}}}), 'spec.allow.rules: must be a list, got a mapping'],
    ['rule without resources', role({allow: {rules: [{verbs: ['read']}]}}), 'spec.allow.rules[0].resources: must be non-empty'],
    ['rule with empty verbs', role({allow: {rules: [{resources: ['x'], verbs: []}]}}),
      'spec.allow.rules[0].verbs: must be non-empty'],
    ['rule verbs a string', role({allow: {rules: [{resources: ['x'], verbs: 'read'}]}}),
      'spec.allow.rules[0].verbs: must be a list, got a string'],
    ['rule resource a number', role({allow: {rules: [{resources: ['x', 1], verbs: ['read']}]}}),
      'spec.allow.rules[0].resources[1]: must be a string, got a number'],
    ['rule where a list', role({allow: {rules: [{resources: ['x'], verbs: ['read'], where: []}]}}),
      'spec.allow.rules[0].where: must be a string, got a list'],
    ['logins a string', role({allow: {logins: 'root'}}), 'spec.allow.logins: must be a list, got a string'],
    ['kept field holding infinity', role({options: {max_session_ttl: Infinity}}),
      'spec.options.max_session_ttl: must be a finite number, got Infinity'],
    ['unknown top-level field', role({}, {status: {}}), 'unknown field "status"'],
  ]
  for (const [name, value, expected] of cases) {
    it(name, () => assert.equal(messageFor(value), `role.yaml: document 1: ${expected}`))
  }

  it('calling the kind parser with another kind is refused', () => {
    assert.throws(() => parseRole(role({}, {kind: 'bot'}), LOC), {message: 'role.yaml: document 1: kind: must be "role"'})
  })
})

describe('role: normalising and keeping', () => {
  it('workload_identity_labels values become lists', () => {
    const parsed = parseResourceValue(role({allow: {workload_identity_labels: {'*': '*', team: ['a', 'b'], port: 443}}}), LOC) as Role
    assert.deepEqual(parsed.spec.allow?.workload_identity_labels, {'*': ['*'], team: ['a', 'b'], port: ['443']})
  })

  it('fields it does not model are kept as they came, after the modelled ones', () => {
    const parsed = parseResourceValue(role({
      zz_future: {a: [1, {b: null}]},
      options: {max_session_ttl: '8h', forward_agent: true},
      allow: {
        node_labels: {'*': '*'},
        rules: [{actions: ['log("x")'], verbs: ['read'], resources: ['workload_identity'], where: 'true'}],
        logins: ['root'],
        spiffe: [{path: '/legacy'}],
        workload_identity_labels_expression: 'labels["env"] == "prod"',
      },
    }), LOC) as Role
    assert.deepEqual(parsed.spec, {
      allow: {
        workload_identity_labels_expression: 'labels["env"] == "prod"',
        rules: [{resources: ['workload_identity'], verbs: ['read'], where: 'true', actions: ['log("x")']}],
        logins: ['root'],
        node_labels: {'*': '*'},
        spiffe: [{path: '/legacy'}],
      },
      options: {max_session_ttl: '8h', forward_agent: true},
      zz_future: {a: [1, {b: null}]},
    })
    assert.deepEqual(Object.keys(parsed.spec), ['allow', 'options', 'zz_future'])
    assert.deepEqual(Object.keys(parsed.spec.allow!), ['workload_identity_labels_expression', 'rules', 'logins', 'node_labels', 'spiffe'])
    assert.deepEqual(Object.keys(parsed.spec.allow!.rules![0]!), ['resources', 'verbs', 'where', 'actions'])
  })

  it('a missing spec is an empty one', () => {
    assert.deepEqual((parseResourceValue({kind: 'role', version: 'v7', metadata: {name: 'r'}}, LOC) as Role).spec, {})
  })

  it('a __proto__ key in a kept field is an ordinary key and pollutes nothing', () => {
    const [parsed] = parseResources('kind: role\nversion: v6\nmetadata: {name: r}\nspec:\n  __proto__: {polluted: true}\n', 'r.yaml')
    const spec = (parsed as Role).spec
    assert.deepEqual(Object.keys(spec), ['__proto__'])
    assert.equal(Object.getPrototypeOf(spec), Object.prototype)
    assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined)
    assert.equal(JSON.stringify(spec), '{"__proto__":{"polluted":true}}')
  })
})
