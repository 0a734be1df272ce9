/**
 * The `gitlab` join method (Teleport's lib/gitlab token_validator.go and lib/join/gitlab
 * checkGitLabAllowRules): a GitLab CI ID token (`id_tokens:` in .gitlab-ci.yml), verified by the
 * token's `static_jwks` or by https://<domain> (default gitlab.com), audience = cluster name.
 * `sub`, `ref`, `namespace_path` and `project_path` rules are globs; `ref_protected` and
 * `environment_protected` compare with GitLab's "true"/"false"; the rest compare exactly.
 */
import type {JWTPayload} from 'jose'
import type {JoinAttrs} from '../authz/attributes.js'
import {AccessDeniedError} from '../errors.js'
import {GITLAB_STRING_RULE_FIELDS, type GitLabRule, type GitLabTokenSpec} from '../resources/token-methods.js'
import {claimText, globMatch, verifyCiToken} from './ci-claims.js'
import type {JoinCheckContext} from './types.js'

const GLOB_FIELDS = new Set(['sub', 'ref', 'namespace_path', 'project_path'])

/** join.gitlab.* string fields (Teleport's join_attrs.proto JoinAttrsGitLab). */
const ATTR_STRINGS = ['sub', 'ref', 'ref_type', 'namespace_path', 'project_path', 'user_login', 'user_email', 'pipeline_id',
  'pipeline_source', 'environment', 'runner_environment', 'sha', 'ci_config_ref_uri', 'ci_config_sha']

function gitlabAttrs(payload: JWTPayload): JoinAttrs {
  const strings = Object.fromEntries(ATTR_STRINGS.map((f) => [f, claimText(payload, f)]))
  const runnerId = Number(claimText(payload, 'runner_id'))
  return {
    gitlab: {
      ...strings,
      ref_protected: claimText(payload, 'ref_protected') === 'true',
      environment_protected: claimText(payload, 'environment_protected') === 'true',
      runner_id: Number.isSafeInteger(runnerId) ? runnerId : 0,
    },
  }
}

function boolMatches(want: boolean | undefined, got: string): boolean {
  return want === undefined || (want && got === 'true') || (!want && got === 'false')
}

function ruleMatches(rule: GitLabRule, payload: JWTPayload): boolean {
  const stringsMatch = GITLAB_STRING_RULE_FIELDS.every((f) => {
    const want = rule[f]
    if (want === undefined) return true
    return GLOB_FIELDS.has(f) ? globMatch(want, claimText(payload, f)) : want === claimText(payload, f)
  })
  return stringsMatch && boolMatches(rule.ref_protected, claimText(payload, 'ref_protected')) &&
    boolMatches(rule.environment_protected, claimText(payload, 'environment_protected'))
}

export async function checkGitLabJoin(spec: GitLabTokenSpec, idToken: string, ctx: JoinCheckContext): Promise<JoinAttrs> {
  const payload = await verifyCiToken({
    idToken, audience: ctx.clusterName, issuer: `https://${spec.domain}`, now: ctx.now,
    ...(spec.static_jwks !== undefined ? {staticJwks: spec.static_jwks} : {}),
  })
  const attrs = gitlabAttrs(payload)
  if (!spec.allow.some((rule) => ruleMatches(rule, payload))) {
    throw Object.assign(new AccessDeniedError('id token claims did not match any allow rules'), {joinAttrs: attrs})
  }
  return attrs
}
