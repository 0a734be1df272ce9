/**
 * The explained decision (lib/authz/explain.ts) agrees with the issuance decision on the outcome and
 * the refusal reason, whatever the rules: conditions, expressions, errors, templates.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {decideIssuance} from '../../../src/lib/authz/decision.js'
import {explainDecision} from '../../../src/lib/authz/explain.js'
import {SvidkitError} from '../../../src/lib/errors.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import type {WorkloadIdentity} from '../../../src/lib/resources/types.js'
import {botAttrs, issuerRole, wi} from './fixtures.js'

const TD = TrustDomain.parse('example.org')

const CASES: Array<[string, WorkloadIdentity]> = [
  ['no rules', wi('open')],
  ['a passing condition', wi('uid', {rules: {allow: [{conditions: [{attribute: 'workload.unix.uid', eq: {value: '1000'}}]}]}})],
  ['a failing condition', wi('gid', {rules: {allow: [{conditions: [{attribute: 'workload.unix.gid', eq: {value: '7'}}]}]}})],
  ['not_in and in', wi('in', {rules: {allow: [{conditions: [
    {attribute: 'user.bot_name', in: {values: ['robot', 'x']}}, {attribute: 'workload.unix.binary_path', not_in: {values: ['/bin/sh']}},
  ]}]}})],
  ['an unknown attribute', wi('unknown', {rules: {allow: [{conditions: [{attribute: 'workload.nope', eq: {value: 'x'}}]}]}})],
  ['an expression', wi('expr', {rules: {allow: [{expression: 'workload.unix.uid == 1000 && user.bot_name == "robot"'}]}})],
  ['a bad expression', wi('bad-expr', {rules: {allow: [{expression: 'workload.unix.uid =='}]}})],
  ['a template', wi('tpl', {spiffe: {id: '/bot/{{ user.bot_name }}', x509: {dns_sans: ['{{ user.bot_name }}.svc']}}})],
  ['a template over an unset attribute', wi('unset', {spiffe: {id: '/gh/{{ join.github.repository }}'}})],
]

describe('explainDecision', () => {
  for (const [what, identity] of CASES) {
    it(`${what}: the same outcome and reason as decideIssuance`, () => {
      let decided: {spiffeId: string} | {reason: string}
      try {
        decided = {spiffeId: decideIssuance({wi: identity, roles: [issuerRole()], attrs: botAttrs, trustDomain: TD}).spiffeId.toString()}
      } catch (err) {
        assert.ok(err instanceof SvidkitError)
        decided = {reason: err.message}
      }
      const explained = explainDecision(identity, botAttrs, TD)
      if ('spiffeId' in decided) {
        assert.equal(explained.issued, true)
        assert.equal(explained.spiffe_id, decided.spiffeId)
      } else {
        assert.equal(explained.issued, false)
        assert.equal(explained.reason, decided.reason)
      }
      assert.equal(explained.rules.length, identity.spec.rules?.allow?.length ?? 0)
    })
  }

  it('reports each condition with the value it saw', () => {
    const e = explainDecision(CASES[3]![1], botAttrs, TD)
    assert.deepEqual(e.rules[0]!.conditions, [
      {attribute: 'user.bot_name', operator: 'in', expected: ['robot', 'x'], value: 'robot', passed: true},
      {attribute: 'workload.unix.binary_path', operator: 'not_in', expected: ['/bin/sh'], value: '/usr/bin/app', passed: true},
    ])
    const unknown = explainDecision(CASES[4]![1], botAttrs, TD)
    assert.deepEqual(unknown.rules[0]!.conditions, [{attribute: 'workload.nope', operator: 'eq', expected: 'x', passed: false, error: 'attribute "nope" not found'}])
  })
})
