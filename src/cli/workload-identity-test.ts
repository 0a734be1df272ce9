/**
 * `tctl workload-identity test`: load the workload identity (stored, or from a file) and the
 * attributes, explain the decision (lib/authz/explain.ts), and render it for a human.
 */
import type {DecisionExplanation, RuleExplanation} from '../lib/authz/explain.js'
import type {WorkloadIdentity} from '../lib/resources/types.js'
import {openAdmin, type AdminFlags} from './admin.js'
import {UsageError} from './report-error.js'

export interface TestInput {
  readonly name?: string
  readonly file?: string
  readonly attributesFile: string
}

export async function testWorkloadIdentity(flags: AdminFlags, version: string, input: TestInput): Promise<DecisionExplanation> {
  if ((input.name === undefined) === (input.file === undefined)) {
    throw new UsageError('give either the NAME of a stored workload identity or --workload-identity-file FILE')
  }
  const [{readAttributesFile}, {explainDecision}, {TrustDomain}] = await Promise.all([
    import('../lib/input/attributes-file.js'), import('../lib/authz/explain.js'), import('../lib/spiffe/id.js'),
  ])
  const attrs = await readAttributesFile(input.attributesFile)
  const admin = await openAdmin(flags, version)
  const wi = input.file !== undefined ? await workloadIdentityFromFile(input.file) : await admin.getResource('workload_identity', input.name ?? '')
  return explainDecision(wi, attrs, TrustDomain.parse(admin.clusterName))
}

async function workloadIdentityFromFile(file: string): Promise<WorkloadIdentity> {
  const [{readInputFile}, {parseResources}, {InputError}] = await Promise.all([
    import('../lib/input/read-file.js'), import('../lib/resources/parse.js'), import('../lib/errors.js'),
  ])
  const resources = parseResources(await readInputFile(file, 'workload identity'), file)
  const wis = resources.filter((r): r is WorkloadIdentity => r.kind === 'workload_identity')
  if (wis.length !== 1 || resources.length !== 1) {
    throw new InputError({file}, `expected exactly one workload_identity document, found ${resources.length} document(s)`)
  }
  return wis[0]!
}

const mark = (passed: boolean): string => (passed ? 'PASS' : 'FAIL')

function ruleLines(rule: RuleExplanation): string[] {
  const lines = [`  rule ${rule.index}: ${mark(rule.passed)}`]
  if (rule.expression !== undefined) {
    lines.push(`    expression ${rule.expression}: ${rule.error !== undefined ? `error: ${rule.error}` : mark(rule.passed)}`)
  }
  for (const c of rule.conditions ?? []) {
    const expected = typeof c.expected === 'string' ? JSON.stringify(c.expected) : `[${c.expected.map((v) => JSON.stringify(v)).join(', ')}]`
    const seen = c.error !== undefined ? `error: ${c.error}` : `value ${JSON.stringify(c.value)}`
    lines.push(`    ${c.attribute} ${c.operator} ${expected}: ${seen}: ${mark(c.passed)}`)
  }
  return lines
}

export function explanationText(e: DecisionExplanation): string {
  const lines = [`Workload identity "${e.workload_identity}": ${e.issued ? 'an SVID would be issued' : 'no SVID would be issued'}`]
  if (e.rules.length === 0) lines.push('Rules: none (every workload passes)')
  else lines.push('Rules (the first rule that passes allows; a rule passes when all its conditions hold):', ...e.rules.flatMap(ruleLines))
  if (!e.issued) {
    lines.push(`Refused: ${e.reason ?? 'unknown reason'}`)
    return lines.join('\n') + '\n'
  }
  lines.push(`SPIFFE ID: ${e.spiffe_id ?? ''}`)
  if (e.hint) lines.push(`Hint: ${e.hint}`)
  lines.push(`DNS SANs: ${e.dns_sans?.length ? e.dns_sans.join(', ') : '(none)'}`)
  const subject = e.x509_subject ?? {}
  const rdns = [['CN', subject.commonName], ['O', subject.organization], ['OU', subject.organizationalUnit]].filter(([, v]) => v !== undefined)
  if (rdns.length > 0) lines.push(`X.509 subject: ${rdns.map(([k, v]) => `${k}=${v}`).join(', ')}`)
  lines.push(`JWT claims (besides aud, iss, iat, exp, jti): ${JSON.stringify(e.jwt_claims ?? {})}`)
  return lines.join('\n') + '\n'
}
