/**
 * Issuance RBAC over the caller's roles (Teleport's RoleSet.CheckAccessToRule and
 * RoleSet.checkAccess with `workload_identity_labels`).
 *
 * Rules: for each verb, deny rules first (any match refuses), then any allow rule must match; a
 * rule matches when it names the resource (or `*`) and the verb (or `*`; `read` also grants
 * `readnosecrets`). Failures for several verbs are joined with `, ` like Teleport's aggregate.
 *
 * Labels: deny roles first — a role denies when its deny `workload_identity_labels` match or its
 * deny label expression holds; then some allow role must match (labels and expression both, when
 * both are set). By default, as in Teleport's classic roles, the role granting the rule need not be
 * the role granting the labels; `sameRole` requires one allow role to grant both (Teleport's scoped
 * roles).
 *
 * Not modelled: role namespaces (always the default one), `where` clauses (an allow rule with one
 * never matches, a deny rule with one always does: both fail closed), role templates in label
 * values (`{{internal.x}}` is compared literally).
 */
import type {Role, RoleConditions, RoleRule, WorkloadIdentity} from '../resources/types.js'
import {matchLabels} from './labels.js'
import {matchLabelExpression} from './label-expression.js'

export const WORKLOAD_IDENTITY_KIND = 'workload_identity'

export type AccessCheck = {readonly allowed: true} | {readonly allowed: false; readonly reason: string}

const ALLOWED: AccessCheck = {allowed: true}

function ruleHasVerb(rule: RoleRule, verb: string): boolean {
  return rule.verbs.some((v) => v === '*' || v === verb || (verb === 'readnosecrets' && v === 'read'))
}

/** Teleport `RuleSet.Match`; `where` clauses cannot be evaluated here, so they decide `whereResult`. */
function rulesMatch(rules: readonly RoleRule[] | undefined, resource: string, verb: string, whereResult: boolean): boolean {
  return (rules ?? []).some((rule) =>
    (rule.resources.includes(resource) || rule.resources.includes('*')) &&
    ruleHasVerb(rule, verb) &&
    (rule.where === undefined || rule.where === '' || whereResult))
}

function checkVerb(roles: readonly Role[], resource: string, verb: string): string | undefined {
  const denied = `access denied to perform action "${verb}" on "${resource}"`
  if (roles.some((role) => rulesMatch(role.spec.deny?.rules, resource, verb, true))) return denied
  if (roles.some((role) => rulesMatch(role.spec.allow?.rules, resource, verb, false))) return undefined
  return denied
}

/**
 * Teleport `CheckAccessToKind(kind, verbs[0], ...verbs.slice(1))`: every verb must be granted.
 * Teleport checks the additional verbs first, so `['read', 'list']` with no rules at all reads
 * `access denied to perform action "list" on "workload_identity", access denied to perform action "read" …`.
 */
export function checkRuleAccess(roles: readonly Role[], resource: string, verbs: readonly string[]): AccessCheck {
  const order = [...verbs.slice(1), ...verbs.slice(0, 1)]
  const failures = order.map((verb) => checkVerb(roles, resource, verb)).filter((f): f is string => f !== undefined)
  return failures.length === 0 ? ALLOWED : {allowed: false, reason: failures.join(', ')}
}

export interface LabelCheckOptions {
  /** The caller's traits, for label expressions (`user.spec.traits`). */
  readonly traits?: Readonly<Record<string, readonly string[]>>
  /** Require one allow role to grant both the rule (`verbs`) and the label match (scoped-role semantics). */
  readonly sameRole?: {readonly verbs: readonly string[]}
}

/** Teleport `CheckLabelsMatch` for one side of one role: deny is greedy, allow needs all that is set. */
function labelsMatch(conditions: RoleConditions | undefined, wi: WorkloadIdentity, traits: LabelCheckOptions['traits'], deny: boolean): boolean {
  const selector = conditions?.workload_identity_labels
  const expression = conditions?.workload_identity_labels_expression
  const hasSelector = selector !== undefined && Object.keys(selector).length > 0
  const hasExpression = expression !== undefined && expression !== ''
  if (!hasSelector && !hasExpression) return false
  const labels = wi.metadata.labels ?? {}
  const selectorOk = !hasSelector || matchLabels(selector, labels).matched
  if (deny && hasSelector && selectorOk) return true
  const expressionOk = !hasExpression || matchLabelExpression(expression, {labels, traits: traits ?? {}})
  return deny ? hasExpression && expressionOk : selectorOk && expressionOk
}

/** Teleport `RoleSet.checkAccess` for a workload_identity resource, by its labels. */
export function checkWorkloadIdentityLabels(roles: readonly Role[], wi: WorkloadIdentity, options: LabelCheckOptions = {}): AccessCheck {
  const denied: AccessCheck = {allowed: false, reason: `access to ${WORKLOAD_IDENTITY_KIND} denied. User does not have permissions. `}
  if (roles.some((role) => labelsMatch(role.spec.deny, wi, options.traits, true))) return denied
  const granting = roles.filter((role) => labelsMatch(role.spec.allow, wi, options.traits, false))
  const sameRole = options.sameRole
  if (sameRole === undefined) return granting.length > 0 ? ALLOWED : denied
  const both = granting.some((role) => checkRuleAccess([role], WORKLOAD_IDENTITY_KIND, sameRole.verbs).allowed)
  return both ? ALLOWED : denied
}
