import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {BadParameterError} from '../../../src/lib/errors.js'
import {checkRuleAccess, checkWorkloadIdentityLabels, type AccessCheck} from '../../../src/lib/authz/rbac.js'
import type {Role} from '../../../src/lib/resources/types.js'
import {issuerRole, role, wi} from './fixtures.js'

const KIND = 'workload_identity'
const denied = (...verbs: string[]): AccessCheck => ({
  allowed: false,
  reason: verbs.map((v) => `access denied to perform action "${v}" on "workload_identity"`).join(', '),
})
const LABELS_DENIED: AccessCheck = {allowed: false, reason: 'access to workload_identity denied. User does not have permissions. '}

describe('checkRuleAccess', () => {
  const rules = (resources: string[], verbs: string[], where?: string) => [{resources, verbs, ...(where !== undefined ? {where} : {})}]
  const cases: Array<[string, Role[], string[], AccessCheck]> = [
    ['no roles', [], ['read'], denied('read')],
    ['no roles, read+list: list is checked first', [], ['read', 'list'], denied('list', 'read')],
    ['a role without rules', [role('r')], ['read', 'list'], denied('list', 'read')],
    ['read and list granted', [role('r', {rules: rules([KIND], ['read', 'list'])})], ['read', 'list'], {allowed: true}],
    ['read only', [role('r', {rules: rules([KIND], ['read'])})], ['read', 'list'], denied('list')],
    ['list only', [role('r', {rules: rules([KIND], ['list'])})], ['read', 'list'], denied('read')],
    ['read suffices for issue-by-name', [role('r', {rules: rules([KIND], ['read'])})], ['read'], {allowed: true}],
    ['verb wildcard', [role('r', {rules: rules([KIND], ['*'])})], ['read', 'list'], {allowed: true}],
    ['resource wildcard', [role('r', {rules: rules(['*'], ['read', 'list'])})], ['read', 'list'], {allowed: true}],
    ['another resource', [role('r', {rules: rules(['bot'], ['*'])})], ['read'], denied('read')],
    ['read grants readnosecrets', [role('r', {rules: rules([KIND], ['read'])})], ['readnosecrets'], {allowed: true}],
    ['split across roles', [role('a', {rules: rules([KIND], ['read'])}), role('b', {rules: rules([KIND], ['list'])})], ['read', 'list'], {allowed: true}],
    ['deny rule wins', [issuerRole(), role('d', {}, {rules: rules([KIND], ['list'])})], ['read', 'list'], denied('list')],
    ['deny wildcard wins', [issuerRole(), role('d', {}, {rules: rules(['*'], ['*'])})], ['read', 'list'], denied('list', 'read')],
    ['deny for another verb', [issuerRole(), role('d', {}, {rules: rules([KIND], ['delete'])})], ['read', 'list'], {allowed: true}],
    ['allow with a where clause never matches (fail closed)', [role('r', {rules: rules([KIND], ['read'], 'contains(user.spec.traits["x"], "y")')})], ['read'], denied('read')],
    ['deny with a where clause always matches (fail closed)', [issuerRole(), role('d', {}, {rules: rules([KIND], ['read'], 'false')})], ['read'], denied('read')],
  ]
  for (const [name, roles, verbs, expected] of cases) it(name, () => assert.deepEqual(checkRuleAccess(roles, KIND, verbs), expected))
})

describe('checkWorkloadIdentityLabels', () => {
  const prod = wi('api', {}, {env: 'prod', team: 'infra'})
  const unlabelled = wi('bare')
  const allowLabels = (labels: Record<string, readonly string[]>) => role('a', {workload_identity_labels: labels})
  const denyLabels = (labels: Record<string, readonly string[]>) => role('d', {}, {workload_identity_labels: labels})
  const cases: Array<[string, Role[], typeof prod, AccessCheck]> = [
    ['no roles', [], prod, LABELS_DENIED],
    ['a role without labels grants nothing', [role('r', {rules: [{resources: [KIND], verbs: ['read']}]})], prod, LABELS_DENIED],
    ['an empty selector grants nothing', [allowLabels({})], prod, LABELS_DENIED],
    ['*:* grants everything', [allowLabels({'*': ['*']})], prod, {allowed: true}],
    ['*:* grants unlabelled ones', [allowLabels({'*': ['*']})], unlabelled, {allowed: true}],
    ['exact label', [allowLabels({env: ['prod']})], prod, {allowed: true}],
    ['label mismatch', [allowLabels({env: ['dev']})], prod, LABELS_DENIED],
    ['a key the resource lacks', [allowLabels({region: ['*']})], prod, LABELS_DENIED],
    ['glob', [allowLabels({team: ['inf*']})], prod, {allowed: true}],
    ['regex', [allowLabels({env: ['^(prod|stage)$']})], prod, {allowed: true}],
    ['any allow role suffices', [allowLabels({env: ['dev']}), allowLabels({team: ['infra']})], prod, {allowed: true}],
    ['deny labels win', [allowLabels({'*': ['*']}), denyLabels({env: ['prod']})], prod, LABELS_DENIED],
    ['deny *:* denies everything', [allowLabels({'*': ['*']}), denyLabels({'*': ['*']})], unlabelled, LABELS_DENIED],
    ['deny that does not match', [allowLabels({'*': ['*']}), denyLabels({env: ['dev']})], prod, {allowed: true}],
    ['empty deny selector denies nothing', [allowLabels({'*': ['*']}), denyLabels({})], prod, {allowed: true}],
    ['label expression allows', [role('e', {workload_identity_labels_expression: 'labels["env"] == "prod"'})], prod, {allowed: true}],
    ['label expression refuses', [role('e', {workload_identity_labels_expression: 'labels["env"] == "dev"'})], prod, LABELS_DENIED],
    ['labels and expression must both match to allow', [role('e', {
      workload_identity_labels: {env: ['prod']},
      workload_identity_labels_expression: 'labels["team"] == "other"',
    })], prod, LABELS_DENIED],
    ['deny expression is enough to deny', [allowLabels({'*': ['*']}), role('d', {}, {workload_identity_labels_expression: 'labels["team"] == "infra"'})], prod, LABELS_DENIED],
    ['deny: either labels or expression', [allowLabels({'*': ['*']}), role('d', {}, {
      workload_identity_labels: {env: ['dev']},
      workload_identity_labels_expression: 'contains(user.spec.traits["teams"], labels["team"])',
    })], prod, LABELS_DENIED],
  ]
  for (const [name, roles, resource, expected] of cases) {
    it(name, () => assert.deepEqual(checkWorkloadIdentityLabels(roles, resource, {traits: {teams: ['infra']}}), expected))
  }

  it('label expressions see the caller\'s traits and the label functions', () => {
    const check = (expr: string, traits: Record<string, string[]>) =>
      checkWorkloadIdentityLabels([role('e', {workload_identity_labels_expression: expr})], prod, {traits}).allowed
    assert.equal(check('contains(user.spec.traits["envs"], labels["env"])', {envs: ['prod']}), true)
    assert.equal(check('contains(user.spec.traits["envs"], labels["env"])', {envs: ['dev']}), false)
    assert.equal(check('regexp.match(labels["team"], "inf*")', {}), true)
    assert.equal(check('contains_any(labels_matching("*"), strings.lower(user.spec.traits["t"]))', {t: ['PROD']}), true)
    assert.equal(check('labels["missing"] == ""', {}), true)
  })

  it('a bad label expression is an error, not a silent mismatch', () => {
    assert.throws(() => checkWorkloadIdentityLabels([role('e', {workload_identity_labels_expression: 'labels["env"] =='})], prod), (err: unknown) => {
      assert.ok(err instanceof BadParameterError)
      assert.equal(err.message, "parsing label expression: parsing expression: 1:17: expected operand, found 'EOF'")
      return true
    })
    assert.throws(() => checkWorkloadIdentityLabels([role('e', {workload_identity_labels_expression: 'labels["env"]'})], prod),
      {message: 'parsing label expression: expression evaluated to unexpected type: expected type bool, got expression returning type (string)'})
  })

  it('a bad regular expression in a role is an error', () => {
    assert.throws(() => checkWorkloadIdentityLabels([allowLabels({env: ['^(x$']})], prod), {message: 'error parsing regexp: missing closing ): `^(x$`'})
  })

  describe('sameRole (scoped-role semantics)', () => {
    const rulesOnly = role('rules', {rules: [{resources: [KIND], verbs: ['read', 'list']}]})
    const labelsOnly = allowLabels({env: ['prod']})
    it('classic Teleport: rules and labels may come from different roles', () => {
      assert.deepEqual(checkWorkloadIdentityLabels([rulesOnly, labelsOnly], prod), {allowed: true})
    })
    it('sameRole: one role must grant both', () => {
      assert.deepEqual(checkWorkloadIdentityLabels([rulesOnly, labelsOnly], prod, {sameRole: {verbs: ['read']}}), LABELS_DENIED)
      assert.deepEqual(checkWorkloadIdentityLabels([issuerRole({env: ['prod']})], prod, {sameRole: {verbs: ['read', 'list']}}), {allowed: true})
    })
  })
})
