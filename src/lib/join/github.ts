/**
 * The `github` join method (Teleport's lib/githubactions token_validator.go and the join check
 * lib/auth/join_github.go): a GitHub Actions OIDC ID token, verified by the token's `static_jwks`
 * or by GitHub's issuer — https://token.actions.githubusercontent.com, `/<enterprise_slug>` appended
 * for a customised enterprise issuer, or https://<enterprise_server_host>/_services/token for
 * GitHub Enterprise Server — with Teleport's fixed audience `teleport.cluster.local` (tbot asks
 * GitHub for exactly that audience, lib/githubactions token_source.go). Allow rules compare claims
 * exactly; one rule whose every set field matches admits the token.
 */
import type {JWTPayload} from 'jose'
import type {JoinAttrs} from '../authz/attributes.js'
import {AccessDeniedError} from '../errors.js'
import {GITHUB_RULE_FIELDS, type GitHubTokenSpec} from '../resources/token-methods.js'
import {claimText, verifyCiToken} from './ci-claims.js'
import type {JoinCheckContext} from './types.js'

export const GITHUB_ISSUER_HOST = 'token.actions.githubusercontent.com'
export const GITHUB_AUDIENCE = 'teleport.cluster.local'

/** join.github.* (Teleport's join_attrs.proto JoinAttrsGitHub). */
const ATTR_FIELDS = ['sub', 'actor', 'environment', 'ref', 'ref_type', 'repository', 'repository_owner', 'workflow', 'event_name', 'sha', 'run_id']

export function githubIssuer(spec: GitHubTokenSpec): string {
  if (spec.enterprise_server_host !== undefined) return `https://${spec.enterprise_server_host}/_services/token`
  return spec.enterprise_slug !== undefined ? `https://${GITHUB_ISSUER_HOST}/${spec.enterprise_slug}` : `https://${GITHUB_ISSUER_HOST}`
}

function githubAttrs(payload: JWTPayload): JoinAttrs {
  return {github: Object.fromEntries(ATTR_FIELDS.map((f) => [f, claimText(payload, f)]))}
}

export async function checkGitHubJoin(spec: GitHubTokenSpec, idToken: string, ctx: JoinCheckContext): Promise<JoinAttrs> {
  const payload = await verifyCiToken({
    idToken, audience: GITHUB_AUDIENCE, issuer: githubIssuer(spec), now: ctx.now,
    ...(spec.static_jwks !== undefined ? {staticJwks: spec.static_jwks} : {}),
  })
  const attrs = githubAttrs(payload)
  const matches = spec.allow.some((rule) => GITHUB_RULE_FIELDS.every((f) => rule[f] === undefined || rule[f] === claimText(payload, f)))
  if (!matches) throw Object.assign(new AccessDeniedError('id token claims did not match any allow rules'), {joinAttrs: attrs})
  return attrs
}
