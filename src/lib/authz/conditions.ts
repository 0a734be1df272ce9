/**
 * Workload identity rules (Teleport's `evaluateRules` in lib/auth/machineid/workloadidentityv1): no allow rules →
 * pass; otherwise the first rule that passes wins (OR). A rule is either a predicate expression or
 * a list of conditions that must all hold (AND); a condition compares the attribute's string form
 * with `eq`/`not_eq`/`in`/`not_in`. An error (unknown attribute, bad expression) stops evaluation:
 * it is not "this rule did not match". No rule passing is AccessDenied `no matching rule found`.
 */
import {AccessDeniedError, BadParameterError, SvidkitError} from '../errors.js'
import type {RuleCondition, WorkloadIdentity, WorkloadIdentityRule} from '../resources/types.js'
import {lookupAttribute} from './attribute-path.js'
import type {Attributes} from './attributes.js'
import {evaluate, parseExpression} from './expression/index.js'
import {wrapError} from './wrap.js'

export type RulesResult = {readonly passed: true} | {readonly passed: false; readonly reason: SvidkitError}

export function evaluateRules(wi: WorkloadIdentity, attrs: Attributes): RulesResult {
  const rules = wi.spec.rules?.allow ?? []
  if (rules.length === 0) return {passed: true}
  try {
    for (const rule of rules) if (rulePasses(rule, attrs)) return {passed: true}
  } catch (err) {
    if (err instanceof SvidkitError) return {passed: false, reason: err}
    throw err
  }
  return {passed: false, reason: new AccessDeniedError('no matching rule found')}
}

function rulePasses(rule: WorkloadIdentityRule, attrs: Attributes): boolean {
  if (rule.expression !== undefined && rule.expression !== '') return expressionPasses(rule.expression, attrs)
  return (rule.conditions ?? []).every((condition) => conditionHolds(condition, attrs))
}

/** Teleport `expression.Evaluate`: parse errors read `parsing expression: <src>: …`. */
function expressionPasses(source: string, attrs: Attributes): boolean {
  let parsed
  try {
    parsed = parseExpression(source)
  } catch (err) {
    if (err instanceof SvidkitError) throw wrapError(err, `parsing expression: ${source}`)
    throw err
  }
  return evaluate(parsed, attrs)
}

function conditionHolds(condition: RuleCondition, attrs: Attributes): boolean {
  const value = lookupAttribute(attrs, condition.attribute)
  if (condition.eq !== undefined) return value === condition.eq.value
  if (condition.not_eq !== undefined) return value !== condition.not_eq.value
  if (condition.in !== undefined) return condition.in.values.includes(value)
  if (condition.not_in !== undefined) return !condition.not_in.values.includes(value)
  // The resource parser rejects a condition without an operator; Teleport reports it like this.
  throw new BadParameterError('unsupported operator <nil>')
}
