/**
 * The per-method sections of a `token` v2 spec for the delegated join methods (Teleport's
 * api/types/provisioning.go ProvisionTokenSpecV2Kubernetes / GitHub / GitLab checkAndSetDefaults,
 * and docs/pages/includes/provision-token/{kubernetes,github,gitlab}-spec.mdx). Field names and
 * refusals are Teleport's.
 */
import {fail, itemPlace} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {defined} from './values.js'

export type KubernetesJoinType = 'in_cluster' | 'static_jwks' | 'oidc'

export interface KubernetesTokenSpec {
  readonly type: KubernetesJoinType
  readonly allow: readonly {readonly service_account: string}[]
  readonly static_jwks?: {readonly jwks: string}
  readonly oidc?: {readonly issuer: string; readonly insecure_allow_http_issuer?: boolean}
}

export const GITHUB_RULE_FIELDS = ['sub', 'repository', 'repository_owner', 'workflow', 'environment', 'actor', 'ref', 'ref_type'] as const
export type GitHubRule = Partial<Record<(typeof GITHUB_RULE_FIELDS)[number], string>>

export interface GitHubTokenSpec {
  readonly allow: readonly GitHubRule[]
  readonly enterprise_server_host?: string
  readonly enterprise_slug?: string
  readonly static_jwks?: string
}

export const GITLAB_STRING_RULE_FIELDS = [
  'sub', 'ref', 'ref_type', 'namespace_path', 'project_path', 'pipeline_source', 'environment', 'user_login', 'user_id',
  'user_email', 'ci_config_sha', 'ci_config_ref_uri', 'deployment_tier', 'project_visibility',
] as const
export type GitLabRule = Partial<Record<(typeof GITLAB_STRING_RULE_FIELDS)[number], string>> & {
  readonly ref_protected?: boolean
  readonly environment_protected?: boolean
}

export interface GitLabTokenSpec {
  readonly domain: string
  readonly allow: readonly GitLabRule[]
  readonly static_jwks?: string
}

/** Teleport's KubernetesJoinType values, in the order its "must be one of" message lists them. */
const KUBERNETES_TYPES: readonly KubernetesJoinType[] = ['in_cluster', 'static_jwks', 'oidc']

function allowRules(spec: FieldReader, known: readonly string[]): FieldReader[] {
  return (spec.list('allow') ?? []).map(({value, place}) => FieldReader.of(value, place, known))
}

export function parseKubernetesSection(r: FieldReader): KubernetesTokenSpec {
  const rules = allowRules(r, ['service_account'])
  if (rules.length === 0) fail(r.at('allow'), 'allow: at least one rule must be set')
  const allow = rules.map((rule, i) => {
    const sa = rule.string('service_account') ?? ''
    if (sa === '') fail(itemPlace(r.at('allow'), i), `allow[${i}].service_account: name of service account must be set`)
    if (sa.split(':').length !== 2) {
      fail(itemPlace(r.at('allow'), i), `allow[${i}].service_account: name of service account should be in format "namespace:service_account", got ${JSON.stringify(sa)} instead`)
    }
    return {service_account: sa}
  })
  // Unset means in_cluster, for resources written before `type` existed (provisioning.go).
  const type = (r.string('type') ?? 'in_cluster') as KubernetesJoinType
  if (!KUBERNETES_TYPES.includes(type)) fail(r.at('type'), `type: must be one of (${KUBERNETES_TYPES.join(', ')}), got ${JSON.stringify(type)}`)
  const jwksSection = r.mapping('static_jwks', ['jwks'])
  const oidcSection = r.mapping('oidc', ['issuer', 'insecure_allow_http_issuer'])
  r.rejectUnknown(['type', 'allow', 'static_jwks', 'oidc'])
  if (type !== 'static_jwks' && jwksSection !== undefined) fail(r.at('static_jwks'), `static_jwks: must not be set when type is "${type}"`)
  if (type === 'static_jwks') {
    if (jwksSection === undefined) fail(r.at('static_jwks'), 'static_jwks: must be set when type is "static_jwks"')
    const jwks = jwksSection.string('jwks') ?? ''
    if (jwks === '') fail(r.at('static_jwks'), 'static_jwks.jwks: must be set when type is "static_jwks"')
    return {type, allow, static_jwks: {jwks}}
  }
  if (type === 'oidc') {
    const issuer = oidcSection?.string('issuer') ?? ''
    if (issuer === '') fail(r.at('oidc'), 'oidc.issuer: must be set when type is "oidc"')
    const insecure = oidcSection?.boolean('insecure_allow_http_issuer')
    return {type, allow, oidc: defined({issuer, insecure_allow_http_issuer: insecure})}
  }
  return {type, allow}
}

export function parseGitHubSection(r: FieldReader): GitHubTokenSpec {
  const allow = allowRules(r, GITHUB_RULE_FIELDS).map((rule, i): GitHubRule => {
    const out = Object.fromEntries(GITHUB_RULE_FIELDS.flatMap((f) => {
      const v = rule.string(f)
      return v === undefined || v === '' ? [] : [[f, v]]
    })) as GitHubRule
    if (!out.repository && !out.repository_owner && !out.sub) {
      fail(itemPlace(r.at('allow'), i), 'allow rule for "github" must include at least one of "repository", "repository_owner" or "sub"')
    }
    return out
  })
  if (allow.length === 0) fail(r.at('allow'), 'the "github" join method requires at least one token allow rule')
  const host = r.string('enterprise_server_host')
  const slug = r.string('enterprise_slug')
  const staticJwks = r.string('static_jwks')
  r.rejectUnknown(['allow', 'enterprise_server_host', 'enterprise_slug', 'static_jwks'])
  if (host?.includes('/')) fail(r.at('enterprise_server_host'), "'spec.github.enterprise_server_host' should not contain the scheme or path")
  if (host && slug) fail(r.place, "'spec.github.enterprise_server_host' and `spec.github.enterprise_slug` cannot both be set")
  return defined({allow, enterprise_server_host: host || undefined, enterprise_slug: slug || undefined, static_jwks: staticJwks || undefined})
}

export function parseGitLabSection(r: FieldReader): GitLabTokenSpec {
  const known = [...GITLAB_STRING_RULE_FIELDS, 'ref_protected', 'environment_protected']
  const allow = allowRules(r, known).map((rule, i): GitLabRule => {
    const strings = Object.fromEntries(GITLAB_STRING_RULE_FIELDS.flatMap((f) => {
      const v = rule.string(f)
      return v === undefined || v === '' ? [] : [[f, v]]
    }))
    const out = defined({...strings, ref_protected: rule.boolean('ref_protected'), environment_protected: rule.boolean('environment_protected')}) as GitLabRule
    if (!out.sub && !out.namespace_path && !out.project_path && !out.ci_config_ref_uri) {
      fail(itemPlace(r.at('allow'), i),
        "the \"gitlab\" join method requires allow rules with at least one of ['sub', 'project_path', 'namespace_path', 'ci_config_ref_uri'] to ensure security.")
    }
    return out
  })
  if (allow.length === 0) fail(r.at('allow'), 'the "gitlab" join method requires defined gitlab allow rules')
  const domain = r.string('domain') || 'gitlab.com'
  const staticJwks = r.string('static_jwks')
  r.rejectUnknown(['allow', 'domain', 'static_jwks'])
  if (domain.includes('/')) fail(r.at('domain'), "'spec.gitlab.domain' should not contain the scheme or path")
  return defined({domain, allow, static_jwks: staticJwks || undefined})
}
