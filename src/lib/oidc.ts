/**
 * The workload-identity OIDC discovery document (Teleport's lib/web/apiserver.go and lib/web/spiffe.go): what AWS, GCP and other relying
 * parties fetch to trust JWT-SVIDs. The key order is Teleport's, so the bytes match.
 */

export interface OpenIdConfiguration {
  readonly issuer: string
  readonly jwks_uri: string
  readonly claims: readonly string[]
  readonly id_token_signing_alg_values_supported: readonly string[]
  readonly response_types_supported: readonly string[]
  readonly subject_types_supported: readonly string[]
}

/**
 * The JWT-SVID issuer for a proxy public address: `https://` added when no scheme is given, a
 * default `:443` dropped, `/workload-identity` appended. `example.com:443` →
 * `https://example.com/workload-identity`; `https://h:3080/` → `https://h:3080/workload-identity`.
 */
export function issuerUrl(publicAddr: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(publicAddr) ? publicAddr : `https://${publicAddr}`
  const url = new URL(withScheme)
  // URL drops a scheme's default port itself; this also drops an explicit :443 on other schemes.
  if (url.port === '443') url.port = ''
  const path = url.pathname.replace(/\/+$/, '')
  return `${url.protocol}//${url.host}${path}/workload-identity`
}

/**
 * `/workload-identity/.well-known/openid-configuration`; `scopes_supported` is omitted (§8).
 * Teleport always advertises RS256 (its JWT key is RSA in every suite); pass `['ES256']` for an EC key.
 */
export function openIdConfiguration(issuer: string, signingAlgs: readonly string[] = ['RS256']): OpenIdConfiguration {
  return {
    issuer,
    jwks_uri: `${issuer}/jwt-jwks.json`,
    claims: ['iss', 'sub', 'jti', 'aud', 'exp', 'iat'],
    id_token_signing_alg_values_supported: [...signingAlgs],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
  }
}
