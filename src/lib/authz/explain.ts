/**
 * The issuance decision for one workload identity, explained (RFD 191's proposed
 * `tctl workload-identity test`, never shipped upstream): the outcome and its reason come from the
 * real evaluator (evaluation.ts, decision.ts), so an explanation never disagrees with issuance;
 * beside it, every rule and condition is evaluated on its own with the value it saw, so a reader
 * sees why each one passed or failed, not only the first failure. RBAC (the caller's roles) is not
 * part of it: the attributes alone decide here.
 */
import {SvidkitError} from '../errors.js'
import type {JsonObject, RuleCondition, WorkloadIdentity, WorkloadIdentityRule} from '../resources/types.js'
import type {TrustDomain} from '../spiffe/id.js'
import {lookupAttribute} from './attribute-path.js'
import type {Attributes} from './attributes.js'
import {spiffeIdFor} from './decision.js'
import {evaluateWorkloadIdentity, type RenderedSubject} from './evaluation.js'
import {evaluate, parseExpression} from './expression/index.js'

export type ConditionOperator = 'eq' | 'not_eq' | 'in' | 'not_in'

export interface ConditionExplanation {
  readonly attribute: string
  readonly operator: ConditionOperator
  /** `eq`/`not_eq`: one value; `in`/`not_in`: the list. */
  readonly expected: string | readonly string[]
  /** The attribute's string form, as the rule compares it; absent when reading it failed. */
  readonly value?: string
  readonly passed: boolean
  readonly error?: string
}

export interface RuleExplanation {
  /** 1-based, as a reader counts `spec.rules.allow`. */
  readonly index: number
  readonly expression?: string
  readonly conditions?: readonly ConditionExplanation[]
  readonly passed: boolean
  readonly error?: string
}

export interface DecisionExplanation {
  readonly issued: boolean
  readonly workload_identity: string
  readonly spiffe_id?: string
  readonly hint?: string
  readonly dns_sans?: readonly string[]
  readonly x509_subject?: RenderedSubject
  /** `sub` and the templated extra claims; `aud`, `iss`, `iat`, `exp`, `jti` are set at issuance. */
  readonly jwt_claims?: JsonObject
  /** No allow rules: every caller allowed to read the identity passes. */
  readonly rules: readonly RuleExplanation[]
  /** The refusal, exactly as issuance reports it. */
  readonly reason?: string
}

export function explainDecision(wi: WorkloadIdentity, attrs: Attributes, trustDomain: TrustDomain): DecisionExplanation {
  const rules = (wi.spec.rules?.allow ?? []).map((rule, i) => explainRule(rule, i + 1, attrs))
  const name = wi.metadata.name
  const refused = (reason: string): DecisionExplanation => ({issued: false, workload_identity: name, rules, reason})
  const evaluation = evaluateWorkloadIdentity(wi, attrs)
  if (!evaluation.ok) return refused(`workload identity failed evaluation: ${evaluation.reason.message}`)
  let spiffeId: string
  try {
    spiffeId = spiffeIdFor(trustDomain, evaluation.rendered.path).toString()
  } catch (err) {
    if (err instanceof SvidkitError) return refused(err.message)
    throw err
  }
  const {hint, dnsSans, subject, extraClaims} = evaluation.rendered
  return {
    issued: true, workload_identity: name, spiffe_id: spiffeId, hint, dns_sans: dnsSans, x509_subject: subject,
    jwt_claims: {...extraClaims, sub: spiffeId}, rules,
  }
}

function explainRule(rule: WorkloadIdentityRule, index: number, attrs: Attributes): RuleExplanation {
  if (rule.expression !== undefined && rule.expression !== '') {
    try {
      return {index, expression: rule.expression, passed: evaluate(parseExpression(rule.expression), attrs)}
    } catch (err) {
      return {index, expression: rule.expression, passed: false, error: messageOf(err)}
    }
  }
  const conditions = (rule.conditions ?? []).map((c) => explainCondition(c, attrs))
  return {index, conditions, passed: conditions.every((c) => c.passed)}
}

function explainCondition(condition: RuleCondition, attrs: Attributes): ConditionExplanation {
  const [operator, expected] = operatorOf(condition)
  const base = {attribute: condition.attribute, operator, expected}
  let value: string
  try {
    value = lookupAttribute(attrs, condition.attribute)
  } catch (err) {
    return {...base, passed: false, error: messageOf(err)}
  }
  const listed = typeof expected === 'string' ? value === expected : expected.includes(value)
  const passed = operator === 'eq' || operator === 'in' ? listed : !listed
  return {...base, value, passed}
}

function operatorOf(c: RuleCondition): [ConditionOperator, string | readonly string[]] {
  if (c.eq !== undefined) return ['eq', c.eq.value]
  if (c.not_eq !== undefined) return ['not_eq', c.not_eq.value]
  if (c.in !== undefined) return ['in', c.in.values]
  return ['not_in', c.not_in?.values ?? []]
}

function messageOf(err: unknown): string {
  if (err instanceof SvidkitError) return err.message
  throw err
}
