import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {parseResourceValue, parseResources} from '../../../src/lib/resources/parse.js'
import {RULES_DOCS_URL, parseWorkloadIdentity} from '../../../src/lib/resources/workload-identity.js'
import type {WorkloadIdentity} from '../../../src/lib/resources/types.js'

const LOC = {file: 'wi.yaml', document: 1}

function wi(spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {kind: 'workload_identity', version: 'v1', metadata: {name: 'wi'}, spec, ...extra}
}

function parse(value: unknown, validateExpression?: (e: string) => void): WorkloadIdentity {
  return parseResourceValue(value, LOC, {validateExpression}) as WorkloadIdentity
}

function inputError(fn: () => unknown): InputError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`)
    assert.equal(err.code, 'BAD_PARAMETER')
    return err
  }
  return assert.fail('expected an InputError')
}

const ID = {id: '/svc/a'}
const rule = (r: unknown): unknown => ({spiffe: ID, rules: {allow: [r]}})
const cond = (c: unknown): unknown => rule({conditions: [{attribute: 'workload.unix.uid', eq: {value: '1'}}, c]})

describe('workload_identity: invalid documents (Teleport messages, field paths)', () => {
  const cases: Array<[string, unknown, string, string | undefined]> = [
    ['version other than v1', {...wi({spiffe: ID}), version: 'v2'}, 'only "v1" is supported', 'version'],
    ['version missing', {...wi({spiffe: ID}), version: undefined}, 'only "v1" is supported', 'version'],
    ['metadata missing', {...wi({spiffe: ID}), metadata: undefined}, 'is required', 'metadata'],
    ['metadata.name missing', {...wi({spiffe: ID}), metadata: {labels: {a: 'b'}}}, 'is required', 'metadata.name'],
    ['spec missing', wi(undefined), 'is required', 'spec'],
    ['spec null', wi(null), 'is required', 'spec'],
    ['spec a list', wi([]), 'must be a mapping, got a list', 'spec'],
    ['spec.spiffe missing', wi({}), 'is required', 'spec.spiffe.id'],
    ['spec.spiffe.id empty', wi({spiffe: {id: ''}}), 'is required', 'spec.spiffe.id'],
    ['spec.spiffe.id relative', wi({spiffe: {id: 'svc/a'}}), 'must start with a /', 'spec.spiffe.id'],
    ['spec.spiffe.id a full SPIFFE ID', wi({spiffe: {id: 'spiffe://td/a'}}), 'must start with a /', 'spec.spiffe.id'],
    ['spec.spiffe.id a number', wi({spiffe: {id: 5}}), 'must be a string, got a number', 'spec.spiffe.id'],
    ['hint a list', wi({spiffe: {...ID, hint: ['x']}}), 'must be a string, got a list', 'spec.spiffe.hint'],
    ['x509 ttl over 14 days', wi({spiffe: {...ID, x509: {maximum_ttl: '337h'}}}),
      'must be less than 336h0m0s', 'spec.spiffe.x509.maximum_ttl'],
    ['x509 ttl 1s over 14 days', wi({spiffe: {...ID, x509: {maximum_ttl: '1209601s'}}}),
      'must be less than 336h0m0s', 'spec.spiffe.x509.maximum_ttl'],
    ['jwt ttl over 24h', wi({spiffe: {...ID, jwt: {maximum_ttl: '24h0m1s'}}}),
      'must be less than 24h0m0s', 'spec.spiffe.jwt.maximum_ttl'],
    ['ttl not a duration', wi({spiffe: {...ID, x509: {maximum_ttl: 'abc'}}}),
      'invalid duration "abc"', 'spec.spiffe.x509.maximum_ttl'],
    ['ttl without unit', wi({spiffe: {...ID, x509: {maximum_ttl: '60'}}}),
      'missing unit in duration "60"', 'spec.spiffe.x509.maximum_ttl'],
    ['ttl negative', wi({spiffe: {...ID, jwt: {maximum_ttl: '-1m'}}}), 'must not be negative', 'spec.spiffe.jwt.maximum_ttl'],
    ['ttl a mapping', wi({spiffe: {...ID, jwt: {maximum_ttl: {seconds: 1}}}}),
      'must be a duration such as "1h" or "3600s", got a mapping', 'spec.spiffe.jwt.maximum_ttl'],
    ['dns_sans a string', wi({spiffe: {...ID, x509: {dns_sans: 'a.example'}}}),
      'must be a list, got a string', 'spec.spiffe.x509.dns_sans'],
    ['dns_sans item a number', wi({spiffe: {...ID, x509: {dns_sans: ['a', 7]}}}),
      'must be a string, got a number', 'spec.spiffe.x509.dns_sans[1]'],
    ['subject_template unknown field', wi({spiffe: {...ID, x509: {subject_template: {cn: 'x'}}}}),
      'unknown field "cn"', 'spec.spiffe.x509.subject_template'],
    ['extra_claims a list', wi({spiffe: {...ID, jwt: {extra_claims: [1]}}}),
      'must be a mapping, got a list', 'spec.spiffe.jwt.extra_claims'],
    ['extra_claims infinite', wi({spiffe: {...ID, jwt: {extra_claims: {n: Infinity}}}}),
      'must be a finite number, got Infinity', 'spec.spiffe.jwt.extra_claims.n'],
    ['extra_claims nested 10 deep', wi({spiffe: {...ID, jwt: {extra_claims: nested(10)}}}),
      'nesting depth must be less than 10', 'spec.spiffe.jwt.extra_claims'],
    ['unknown spec field', wi({spiffe: ID, deny: []}), 'unknown field "deny"', 'spec'],
    ['unknown spiffe field', wi({spiffe: {...ID, foo: 1}}), 'unknown field "foo"', 'spec.spiffe'],
    ['unknown top-level field', wi({spiffe: ID}, {scope: '/a'}), 'unknown field "scope"', undefined],
    ['deny rules', wi({spiffe: ID, rules: {deny: []}}), 'unknown field "deny"', 'spec.rules'],
    ['allow not a list', wi({spiffe: ID, rules: {allow: {expression: 'x'}}}),
      'must be a list, got a mapping', 'spec.rules.allow'],
    ['rule with neither form', wi(rule({})), 'must be non-empty', 'spec.rules.allow[0].conditions'],
    ['rule with empty conditions', wi(rule({conditions: []})), 'must be non-empty', 'spec.rules.allow[0].conditions'],
    ['rule with empty expression', wi(rule({expression: ''})), 'must be non-empty', 'spec.rules.allow[0].conditions'],
    ['rule with both forms', wi(rule({expression: 'true', conditions: [{attribute: 'a', eq: {value: 'b'}}]})),
      'is mutually exclusive with expression', 'spec.rules.allow[0].conditions'],
    ['rule unknown field', wi(rule({conditions: [], matches: 1})), 'unknown field "matches"', 'spec.rules.allow[0]'],
    ['condition without attribute', wi(cond({eq: {value: 'x'}})),
      'must be non-empty', 'spec.rules.allow[0].conditions[1].attribute'],
    ['condition without operator', wi(cond({attribute: 'a'})),
      'operator must be specified', 'spec.rules.allow[0].conditions[1]'],
    ['condition with a null operator', wi(cond({attribute: 'a', eq: null})),
      'operator must be specified', 'spec.rules.allow[0].conditions[1]'],
    ['condition with two operators', wi(cond({attribute: 'a', eq: {value: 'x'}, not_in: {values: []}})),
      'only one operator may be specified, got eq and not_in', 'spec.rules.allow[0].conditions[1]'],
    ['condition unknown operator', wi(cond({attribute: 'a', matches: {value: 'x'}})),
      'unknown field "matches"', 'spec.rules.allow[0].conditions[1]'],
    ['eq with a list value', wi(cond({attribute: 'a', eq: {value: ['x']}})),
      'must be a string, got a list', 'spec.rules.allow[0].conditions[1].eq.value'],
    ['eq with unknown field', wi(cond({attribute: 'a', eq: {value: 'x', values: []}})),
      'unknown field "values"', 'spec.rules.allow[0].conditions[1].eq'],
    ['in with a mapping item', wi(cond({attribute: 'a', in: {values: ['x', {}]}})),
      'must be a string, got a mapping', 'spec.rules.allow[0].conditions[1].in.values[1]'],
    ['in with values a string', wi(cond({attribute: 'a', in: {values: 'x'}})),
      'must be a list, got a string', 'spec.rules.allow[0].conditions[1].in.values'],
  ]
  for (const [name, value, reason, field] of cases) {
    it(name, () => {
      const err = inputError(() => parse(value))
      assert.equal(err.reason, reason)
      assert.deepEqual(err.location, {...LOC, ...(field === undefined ? {} : {field})})
      assert.equal(err.message, `wi.yaml: document 1: ${field === undefined ? '' : `${field}: `}${reason}`)
    })
  }

  it('calling the kind parser with another kind is refused', () => {
    const err = inputError(() => parseWorkloadIdentity({...wi({spiffe: ID}), kind: 'bot'}, LOC))
    assert.equal(err.message, 'wi.yaml: document 1: kind: must be "workload_identity"')
  })
})

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {leaf: 'x'}
  for (let i = 1; i < depth; i++) value = {n: value}
  return value
}

describe('workload_identity: expressions', () => {
  const validate = (e: string): void => {
    if (e.includes('&&&')) throw new Error('unexpected token "&"')
  }
  it('are passed to the validator, and its error is wrapped with the docs link', () => {
    const seen: string[] = []
    const value = wi({spiffe: ID, rules: {allow: [{expression: 'a == "b"'}, {expression: 'x &&& y'}]}})
    const err = inputError(() => parse(value, (e) => {
      seen.push(e)
      validate(e)
    }))
    assert.deepEqual(seen, ['a == "b"', 'x &&& y'])
    assert.equal(err.message,
      `wi.yaml: document 1: spec.rules.allow[1].expression: invalid expression: unexpected token "&", see ${RULES_DOCS_URL}`)
    assert.equal(RULES_DOCS_URL,
      'https://goteleport.com/docs/reference/machine-workload-identity/workload-identity/workload-identity-resource/#rules')
  })

  it('are accepted as any non-empty string without a validator', () => {
    const parsed = parse(wi({spiffe: ID, rules: {allow: [{expression: 'x &&& y'}]}}))
    assert.deepEqual(parsed.spec.rules, {allow: [{expression: 'x &&& y'}]})
  })

  it('reach the validator through parseResources', () => {
    const text = 'kind: workload_identity\nversion: v1\nmetadata: {name: w}\nspec:\n  spiffe: {id: /a}\n' +
      '  rules:\n    allow:\n      - expression: "x &&& y"\n'
    assert.throws(() => parseResources(text, 'w.yaml', {validateExpression: validate}),
      {message: `w.yaml: document 1: spec.rules.allow[0].expression: invalid expression: unexpected token "&", see ${RULES_DOCS_URL}`})
  })
})

describe('workload_identity: valid documents', () => {
  it('keeps every field, normalising durations to protojson and omitting empty values', () => {
    const parsed = parse(wi({
      rules: {allow: [{expression: '', conditions: [{attribute: 'a', in: {values: [1, true, 'x']}}]}]},
      spiffe: {
        jwt: {maximum_ttl: '24h', extra_claims: {deep: nested(8), s: 'x', n: 1.5, b: false, z: null}},
        x509: {maximum_ttl: 3600, dns_sans: [], subject_template: {organization: 'o', common_name: ''}},
        hint: '',
        id: '/a/{{ user.bot_name }}',
      },
    }))
    assert.deepEqual(parsed.spec, {
      spiffe: {
        id: '/a/{{ user.bot_name }}',
        x509: {subject_template: {organization: 'o'}, maximum_ttl: '3600s'},
        jwt: {extra_claims: {deep: nested(8), s: 'x', n: 1.5, b: false, z: null}, maximum_ttl: '86400s'},
      },
      rules: {allow: [{conditions: [{attribute: 'a', in: {values: ['1', 'true', 'x']}}]}]},
    })
    assert.deepEqual(Object.keys(parsed.spec), ['spiffe', 'rules'])
    assert.deepEqual(Object.keys(parsed.spec.spiffe), ['id', 'x509', 'jwt'])
    assert.deepEqual(Object.keys(parsed.spec.spiffe.x509!), ['subject_template', 'maximum_ttl'])
  })

  it('allows extra_claims nested 9 deep (counting extra_claims itself), one less than the limit', () => {
    const parsed = parse(wi({spiffe: {...ID, jwt: {extra_claims: nested(9)}}}))
    assert.deepEqual(parsed.spec.spiffe.jwt?.extra_claims, nested(9))
  })

  it('allows maximum_ttl exactly at the caps (the check is "greater than")', () => {
    const parsed = parse(wi({spiffe: {...ID, x509: {maximum_ttl: '336h'}, jwt: {maximum_ttl: '86400s'}}}))
    assert.equal(parsed.spec.spiffe.x509?.maximum_ttl, '1209600s')
    assert.equal(parsed.spec.spiffe.jwt?.maximum_ttl, '86400s')
  })

  it('stores eq values written as YAML numbers and booleans as their text; an empty eq is ""', () => {
    const text = [
      'kind: workload_identity', 'version: v1', 'metadata: {name: w}', 'spec:', '  spiffe: {id: /a}', '  rules:',
      '    allow:', '      - conditions:',
      '          - {attribute: workload.unix.uid, eq: {value: 1000}}',
      '          - {attribute: workload.unix.attested, not_eq: {value: false}}',
      '          - {attribute: workload.unix.gid, eq: {}}',
      '          - {attribute: workload.unix.pid, not_in: {}}',
    ].join('\n')
    const [parsed] = parseResources(text, 'w.yaml') as WorkloadIdentity[]
    assert.deepEqual(parsed!.spec.rules?.allow?.[0]?.conditions, [
      {attribute: 'workload.unix.uid', eq: {value: '1000'}},
      {attribute: 'workload.unix.attested', not_eq: {value: 'false'}},
      {attribute: 'workload.unix.gid', eq: {value: ''}},
      {attribute: 'workload.unix.pid', not_in: {values: []}},
    ])
  })

  it('keeps empty sub-messages that were written (x509: {}), as protojson does', () => {
    const parsed = parse(wi({spiffe: {...ID, x509: {}, jwt: null}, rules: {}}))
    assert.deepEqual(parsed.spec, {spiffe: {id: '/svc/a', x509: {}}, rules: {}})
  })
})
