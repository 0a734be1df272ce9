/**
 * Teleport's `decide` for one workload identity (lib/auth/machineid/workloadidentityv1/decision.go): rules, then
 * templates — id, hint, each X.509 DNS SAN (which must then be a valid DNS name), the subject
 * template fields, every string of the JWT extra claims. The first failure is the reason, wrapped
 * with where it happened (`attributes did not pass rule evaluation`, `templating spec.spiffe.id`).
 */
import {BadParameterError, SvidkitError} from '../errors.js'
import type {JsonObject, WorkloadIdentity} from '../resources/types.js'
import type {Attributes} from './attributes.js'
import {evaluateRules} from './conditions.js'
import {renderTemplate, templateExtraClaims} from './template.js'
import {wrapError} from './wrap.js'

export interface RenderedSubject {
  readonly commonName?: string
  readonly organization?: string
  readonly organizationalUnit?: string
}

export interface RenderedIdentity {
  /** The rendered SPIFFE ID path (`/svc/foo`). */
  readonly path: string
  readonly hint: string
  readonly dnsSans: readonly string[]
  readonly subject: RenderedSubject
  readonly extraClaims: JsonObject
}

export type Evaluation = {readonly ok: true; readonly rendered: RenderedIdentity} | {readonly ok: false; readonly reason: SvidkitError}

/** Teleport `utils.IsValidHostname`: every dot-separated label is a DNS-1035 label. */
export function isValidHostname(name: string): boolean {
  return name.split('.').every((label) => label.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(label))
}

function render(template: string, attrs: Attributes, field: string): string {
  try {
    return renderTemplate(template, attrs)
  } catch (err) {
    if (err instanceof SvidkitError) throw wrapError(err, `templating ${field}`)
    throw err
  }
}

export function evaluateWorkloadIdentity(wi: WorkloadIdentity, attrs: Attributes): Evaluation {
  const rules = evaluateRules(wi, attrs)
  if (!rules.passed) return {ok: false, reason: wrapError(rules.reason, 'attributes did not pass rule evaluation')}
  try {
    return {ok: true, rendered: renderIdentity(wi, attrs)}
  } catch (err) {
    if (err instanceof SvidkitError) return {ok: false, reason: err}
    throw err
  }
}

function renderIdentity(wi: WorkloadIdentity, attrs: Attributes): RenderedIdentity {
  const spiffe = wi.spec.spiffe
  const path = render(spiffe.id, attrs, 'spec.spiffe.id')
  const hint = render(spiffe.hint ?? '', attrs, 'spec.spiffe.hint')
  const dnsSans = (spiffe.x509?.dns_sans ?? []).map((san, i) => {
    const rendered = render(san, attrs, `spec.spiffe.x509.dns_sans[${i}]`)
    if (!isValidHostname(rendered)) {
      throw new BadParameterError(`templating spec.spiffe.x509.dns_sans[${i}] resulted in an invalid DNS name ${JSON.stringify(rendered)}`)
    }
    return rendered
  })
  const subject = renderSubject(wi, attrs)
  const claims = spiffe.jwt?.extra_claims
  let extraClaims: JsonObject = {}
  if (claims !== undefined) {
    try {
      extraClaims = templateExtraClaims(claims, attrs)
    } catch (err) {
      if (err instanceof SvidkitError) throw wrapError(err, 'templating spec.spiffe.jwt.extra_claims')
      throw err
    }
  }
  return {path, hint, dnsSans, subject, extraClaims}
}

/** Empty fields are left out: an empty subject field means "omit that RDN". */
function renderSubject(wi: WorkloadIdentity, attrs: Attributes): RenderedSubject {
  const st = wi.spec.spiffe.x509?.subject_template
  if (st === undefined) return {}
  const field = (name: 'common_name' | 'organization' | 'organizational_unit'): string =>
    render(st[name] ?? '', attrs, `spec.spiffe.x509.subject_template.${name}`)
  const commonName = field('common_name')
  const organization = field('organization')
  const organizationalUnit = field('organizational_unit')
  return {
    ...(commonName !== '' ? {commonName} : {}),
    ...(organization !== '' ? {organization} : {}),
    ...(organizationalUnit !== '' ? {organizationalUnit} : {}),
  }
}
