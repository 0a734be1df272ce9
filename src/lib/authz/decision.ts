/**
 * The issuance decision (Teleport's IssueWorkloadIdentity and IssueWorkloadIdentities before signing,
 * lib/auth/machineid/workloadidentityv1/issuer_service.go and decision.go), pure: rule access on `workload_identity` → label
 * allow/deny → rules → templates → SPIFFE ID `spiffe://<trust domain><rendered path>`.
 *
 * Refusals: AccessDeniedError for RBAC and for `no matching rule found`; BadParameterError for
 * evaluation, template and SPIFFE ID problems. Evaluation failures read
 * `workload identity failed evaluation: attributes did not pass rule evaluation: no matching rule found`.
 */
import {AccessDeniedError, BadParameterError, SpiffeIdError, SvidkitError} from '../errors.js'
import type {JsonObject, Role, WorkloadIdentity} from '../resources/types.js'
import {SpiffeId, type TrustDomain} from '../spiffe/id.js'
import type {Attributes} from './attributes.js'
import {evaluateWorkloadIdentity, type RenderedIdentity, type RenderedSubject} from './evaluation.js'
import {compileSelector} from './label-selector.js'
import type {LabelSelector} from './labels.js'
import {checkRuleAccess, checkWorkloadIdentityLabels, WORKLOAD_IDENTITY_KIND, type LabelCheckOptions} from './rbac.js'
import {maxTtlsMs} from './ttl.js'
import {wrapError} from './wrap.js'

export interface IssuanceDecision {
  readonly workloadIdentity: {readonly name: string; readonly revision: string}
  readonly spiffeId: SpiffeId
  readonly hint: string
  readonly dnsSans: readonly string[]
  readonly subject: RenderedSubject
  readonly extraClaims: JsonObject
  /** The cap on a requested X.509-SVID TTL (24h unless `spec.spiffe.x509.maximum_ttl`). */
  readonly x509MaxTtlMs: number
  /** The cap on a requested JWT-SVID TTL (24h unless `spec.spiffe.jwt.maximum_ttl`). */
  readonly jwtMaxTtlMs: number
}

export interface DecisionOptions {
  /** Require one role to grant both the rule and the label match (Teleport's scoped roles). */
  readonly sameRole?: boolean
}

export interface DecideIssuanceInput extends DecisionOptions {
  readonly wi: WorkloadIdentity
  readonly roles: readonly Role[]
  readonly attrs: Attributes
  readonly trustDomain: TrustDomain
  /** Verbs needed on `workload_identity`: Teleport's issue-by-name checks `read` only (the default). */
  readonly verbs?: readonly string[]
}

export const MAX_IDENTITIES_PER_REQUEST = 10

function labelOptions(attrs: Attributes, verbs: readonly string[], options: DecisionOptions): LabelCheckOptions {
  return {traits: attrs.user?.traits ?? {}, ...(options.sameRole === true ? {sameRole: {verbs}} : {})}
}

function requireRuleAccess(roles: readonly Role[], verbs: readonly string[]): void {
  const access = checkRuleAccess(roles, WORKLOAD_IDENTITY_KIND, verbs)
  if (!access.allowed) throw new AccessDeniedError(access.reason)
}

/** Issue-by-name: every refusal is thrown. */
export function decideIssuance(input: DecideIssuanceInput): IssuanceDecision {
  const verbs = input.verbs ?? ['read']
  requireRuleAccess(input.roles, verbs)
  const labels = checkWorkloadIdentityLabels(input.roles, input.wi, labelOptions(input.attrs, verbs, input))
  if (!labels.allowed) throw new AccessDeniedError(labels.reason)
  const evaluation = evaluateWorkloadIdentity(input.wi, input.attrs)
  if (!evaluation.ok) throw wrapError(evaluation.reason, 'workload identity failed evaluation')
  return finish(input.wi, evaluation.rendered, input.trustDomain)
}

/**
 * Issue-by-labels: read+list on `workload_identity`, then every workload identity (by name) that
 * the roles permit, that matches `selectors`, and whose rules and templates pass; the others are
 * skipped silently. More than 10 is refused, as is a selector over our limits (label-selector.ts).
 */
export function selectByLabels(
  wis: readonly WorkloadIdentity[],
  selectors: LabelSelector,
  roles: readonly Role[],
  attrs: Attributes,
  trustDomain: TrustDomain,
  options: DecisionOptions = {},
): IssuanceDecision[] {
  if (Object.keys(selectors).length === 0) throw new BadParameterError('label_selectors: at least one label selector must be specified')
  // Checked and compiled before any matching: the selector is client input (label-selector.ts).
  const selector = compileSelector(selectors)
  const verbs = ['read', 'list']
  requireRuleAccess(roles, verbs)
  const permitted = [...wis]
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
    .filter((wi) => permits(roles, wi, labelOptions(attrs, verbs, options)))
  const passing: Array<{wi: WorkloadIdentity; rendered: RenderedIdentity}> = []
  for (const wi of permitted.filter((w) => selector.match(w.metadata.labels ?? {}).matched)) {
    const evaluation = evaluateWorkloadIdentity(wi, attrs)
    if (evaluation.ok) passing.push({wi, rendered: evaluation.rendered})
    if (passing.length > MAX_IDENTITIES_PER_REQUEST) {
      throw new BadParameterError(
        `number of identities that would be issued exceeds maximum permitted (max = ${MAX_IDENTITIES_PER_REQUEST}), use more specific labels`,
      )
    }
  }
  return passing.map(({wi, rendered}) => {
    try {
      return finish(wi, rendered, trustDomain)
    } catch (err) {
      if (err instanceof SvidkitError) throw wrapError(err, `workload identity "${wi.metadata.name}"`)
      throw err
    }
  })
}

/** A label check that errors (a bad regular expression in a role) is a "no", as in Teleport's listing. */
function permits(roles: readonly Role[], wi: WorkloadIdentity, options: LabelCheckOptions): boolean {
  try {
    return checkWorkloadIdentityLabels(roles, wi, options).allowed
  } catch (err) {
    if (err instanceof SvidkitError) return false
    throw err
  }
}

function finish(wi: WorkloadIdentity, rendered: RenderedIdentity, trustDomain: TrustDomain): IssuanceDecision {
  return {
    workloadIdentity: {name: wi.metadata.name, revision: wi.metadata.revision ?? ''},
    spiffeId: spiffeIdFor(trustDomain, rendered.path),
    hint: rendered.hint,
    dnsSans: rendered.dnsSans,
    subject: rendered.subject,
    extraClaims: rendered.extraClaims,
    ...maxTtlsMs(wi),
  }
}

/** Teleport builds `url.URL{Scheme: "spiffe", Host: td, Path: path}` (which adds a missing `/`). */
export function spiffeIdFor(trustDomain: TrustDomain, path: string): SpiffeId {
  const withSlash = path !== '' && !path.startsWith('/') ? `/${path}` : path
  try {
    return SpiffeId.parse(`spiffe://${trustDomain.name}${withSlash}`)
  } catch (err) {
    if (err instanceof SpiffeIdError) throw new BadParameterError(`parsing SPIFFE ID: ${err.message}`, {cause: err})
    throw err
  }
}
