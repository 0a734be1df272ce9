import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {AccessDeniedError, BadParameterError, NotFoundError} from '../../../src/lib/errors.js'
import {evaluateRules} from '../../../src/lib/authz/conditions.js'
import type {RuleCondition, WorkloadIdentityRule} from '../../../src/lib/resources/types.js'
import {botAttrs, wi} from './fixtures.js'

const withRules = (...allow: WorkloadIdentityRule[]) => wi('x', {rules: {allow}})
const cond = (attribute: string, op: Omit<RuleCondition, 'attribute'>): RuleCondition => ({attribute, ...op})

describe('evaluateRules', () => {
  const passing: Array<[string, WorkloadIdentityRule[]]> = [
    ['no rules at all', []],
    ['eq', [{conditions: [cond('user.name', {eq: {value: 'bot-robot'}})]}]],
    ['not_eq', [{conditions: [cond('user.name', {not_eq: {value: 'other'}})]}]],
    ['in', [{conditions: [cond('workload.kubernetes.namespace', {in: {values: ['kube-system', 'default']}})]}]],
    ['not_in', [{conditions: [cond('workload.kubernetes.namespace', {not_in: {values: ['kube-system']}})]}]],
    ['bool compared as a string', [{conditions: [cond('workload.unix.attested', {eq: {value: 'true'}})]}]],
    ['uint compared as a string', [{conditions: [cond('workload.unix.uid', {eq: {value: '1000'}})]}]],
    ['int compared as a string', [{conditions: [cond('workload.unix.pid', {in: {values: ['1', '4242']}})]}]],
    ['unset reads as ""', [{conditions: [cond('join.oracle.instance_id', {eq: {value: ''}})]}]],
    ['conditions are ANDed', [{conditions: [
      cond('user.is_bot', {eq: {value: 'true'}}),
      cond('join.meta.join_method', {eq: {value: 'github'}}),
    ]}]],
    ['rules are ORed: the second passes', [
      {conditions: [cond('user.name', {eq: {value: 'nope'}})]},
      {conditions: [cond('user.bot_name', {eq: {value: 'robot'}})]},
    ]],
    ['expression rule', [{expression: 'user.bot_name == "robot" && workload.unix.pid == 4242'}]],
    ['expression OR conditions', [{expression: 'user.name == "nope"'}, {conditions: [cond('user.is_bot', {eq: {value: 'true'}})]}]],
    ['first passing rule wins, later errors are never reached', [
      {conditions: [cond('user.is_bot', {eq: {value: 'true'}})]},
      {conditions: [cond('user.nope', {eq: {value: 'x'}})]},
    ]],
  ]
  for (const [name, rules] of passing) it(`passes: ${name}`, () => assert.deepEqual(evaluateRules(withRules(...rules), botAttrs), {passed: true}))

  const failing: Array<[string, WorkloadIdentityRule[]]> = [
    ['eq mismatch', [{conditions: [cond('user.name', {eq: {value: 'other'}})]}]],
    ['not_eq on the value', [{conditions: [cond('user.name', {not_eq: {value: 'bot-robot'}})]}]],
    ['in misses', [{conditions: [cond('workload.kubernetes.namespace', {in: {values: ['a', 'b']}})]}]],
    ['not_in hits', [{conditions: [cond('workload.kubernetes.namespace', {not_in: {values: ['default']}})]}]],
    ['bool as a string is lower case', [{conditions: [cond('user.is_bot', {eq: {value: 'True'}})]}]],
    ['one condition of two fails', [{conditions: [
      cond('user.is_bot', {eq: {value: 'true'}}),
      cond('join.meta.join_method', {eq: {value: 'gitlab'}}),
    ]}]],
    ['every rule fails', [{expression: 'user.name == "a"'}, {conditions: [cond('user.name', {eq: {value: 'b'}})]}]],
  ]
  for (const [name, rules] of failing) {
    it(`denies: ${name}`, () => {
      const result = evaluateRules(withRules(...rules), botAttrs)
      assert.equal(result.passed, false)
      if (result.passed) return
      assert.ok(result.reason instanceof AccessDeniedError)
      assert.equal(result.reason.message, 'no matching rule found')
    })
  }

  it('an unknown attribute aborts evaluation (it is not a non-match)', () => {
    const result = evaluateRules(withRules(
      {conditions: [cond('user.nope', {eq: {value: 'x'}})]},
      {conditions: [cond('user.is_bot', {eq: {value: 'true'}})]},
    ), botAttrs)
    assert.equal(result.passed, false)
    if (result.passed) return
    assert.ok(result.reason instanceof NotFoundError)
    assert.equal(result.reason.message, 'attribute "nope" not found')
  })

  it('an expression that cannot be parsed reports Teleport\'s double context', () => {
    const result = evaluateRules(withRules({expression: 'user.nope == "x"'}), botAttrs)
    assert.equal(result.passed, false)
    if (result.passed) return
    assert.ok(result.reason instanceof BadParameterError)
    assert.equal(result.reason.message, 'parsing expression: user.nope == "x": parsing expression: unknown identifier: "user.nope"')
  })

  it('an expression evaluation error aborts evaluation', () => {
    const result = evaluateRules(withRules({expression: 'workload.kubernetes.pod_name == "x"'}), {user: botAttrs.user})
    assert.equal(result.passed, false)
    if (result.passed) return
    assert.equal(result.reason.message,
      'evaluating expression: workload.kubernetes.pod_name == "x": evaluating lhs of (==) operator: workload is unset')
  })

  it('a condition without an operator is refused as Teleport would', () => {
    const result = evaluateRules(withRules({conditions: [{attribute: 'user.name'}]}), botAttrs)
    assert.equal(result.passed, false)
    if (result.passed) return
    assert.equal(result.reason.message, 'unsupported operator <nil>')
  })
})
