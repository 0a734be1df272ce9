/**
 * JWT verification shared by the delegated join methods, with jose doing the JWS and JWK work.
 * Only asymmetric algorithms are accepted (an allow-list: `alg: none` and HS*, e.g. an HS256 token
 * "signed" with the issuer's public key as the secret, are refused before any key is looked at).
 *
 * Two styles of checking, as Teleport has them:
 * - `static`: go-jose's jwt.Claims + ValidateWithLeeway (Teleport's lib/kubernetestoken
 *   ValidateTokenWithJWKS, lib/githubactions and lib/gitlab ValidateTokenWithJWKS): audience, exp,
 *   nbf and iat (not in the future) each with the same leeway; refusals prefixed "parsing jwt",
 *   "validating jwt signature" or "validating jwt claims".
 * - `oidc`: go-oidc's IDTokenVerifier (Teleport's lib/githubactions and lib/gitlab Validate):
 *   issuer and audience exact, exp without leeway, then Teleport's own nbf check with 2 minutes
 *   (lib/jwt CheckNotBefore "token not before in future"); refusals in go-oidc's words.
 * The inner cause is jose's own message.
 */
import type {JWTPayload, JWTVerifyGetKey} from 'jose'
import {AccessDeniedError} from '../errors.js'

export const ALLOWED_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

export interface JwtExpectations {
  readonly audience: string
  /** Required in the `oidc` style. */
  readonly issuer?: string
  readonly now: Date
  readonly style: 'static' | 'oidc'
}

/** go-jose's ValidateWithLeeway leeway in Teleport's static_jwks validators. */
export const STATIC_LEEWAY_S = 10
/** Teleport's lib/jwt CheckNotBefore leeway for OIDC-verified tokens. */
export const OIDC_NBF_LEEWAY_S = 120

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000)

function headerAlg(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {alg?: unknown}
    return typeof header.alg === 'string' ? header.alg : undefined
  } catch {
    return undefined
  }
}

/** Signature, algorithm and key only: claims are checked below, in Teleport's order and words. */
async function verifySignature(token: string, keys: JWTVerifyGetKey, x: JwtExpectations): Promise<JWTPayload> {
  const {errors, jwtVerify} = await import('jose')
  try {
    // A far tolerance: time claims are judged by checkClaims, after the signature, as go-jose does.
    const {payload} = await jwtVerify(token, keys, {algorithms: ALLOWED_JWT_ALGORITHMS, currentDate: x.now, clockTolerance: 2 ** 31})
    return payload
  } catch (err) {
    throw signatureRefusal(err, token, x.style, errors)
  }
}

function signatureRefusal(err: unknown, token: string, style: JwtExpectations['style'], errors: typeof import('jose').errors): AccessDeniedError {
  const message = (err as Error).message
  if (err instanceof errors.JOSEAlgNotAllowed) {
    const alg = JSON.stringify(headerAlg(token) ?? '')
    return style === 'oidc'
      ? new AccessDeniedError(`oidc: id token signed with unsupported algorithm, expected ${JSON.stringify(ALLOWED_JWT_ALGORITHMS)} got ${alg}`)
      : new AccessDeniedError(`parsing jwt: unexpected signature algorithm ${alg}; expected ${JSON.stringify(ALLOWED_JWT_ALGORITHMS)}`)
  }
  const parsing = err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid
  if (style === 'oidc') return new AccessDeniedError(parsing ? `oidc: malformed jwt: ${message}` : `oidc: failed to verify signature: ${message}`)
  return new AccessDeniedError(parsing ? `parsing jwt: ${message}` : `validating jwt signature: ${message}`)
}

const numeric = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

function audiences(payload: JWTPayload): string[] {
  const aud = payload.aud
  return typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : []
}

function checkStaticClaims(payload: JWTPayload, x: JwtExpectations): void {
  const now = seconds(x.now)
  const fail = (why: string): never => {
    throw new AccessDeniedError(`validating jwt claims: validation failed, ${why}`)
  }
  if (x.issuer !== undefined && payload.iss !== x.issuer) fail('invalid issuer claim (iss)')
  if (!audiences(payload).includes(x.audience)) fail('invalid audience claim (aud)')
  const nbf = numeric(payload.nbf)
  if (nbf !== undefined && now + STATIC_LEEWAY_S < nbf) fail('token not valid yet (nbf)')
  const exp = numeric(payload.exp)
  if (exp !== undefined && now - STATIC_LEEWAY_S > exp) fail('token is expired (exp)')
  const iat = numeric(payload.iat)
  if (iat !== undefined && now + STATIC_LEEWAY_S < iat) fail('token issued in the future (iat)')
}

function checkOidcClaims(payload: JWTPayload, x: JwtExpectations): void {
  const now = seconds(x.now)
  if (payload.iss !== x.issuer) {
    throw new AccessDeniedError(`oidc: id token issued by a different provider, expected ${JSON.stringify(x.issuer)} got ${JSON.stringify(payload.iss ?? '')}`)
  }
  if (!audiences(payload).includes(x.audience)) {
    throw new AccessDeniedError(`oidc: expected audience ${JSON.stringify(x.audience)} got ${JSON.stringify(audiences(payload))}`)
  }
  const exp = numeric(payload.exp)
  if (exp === undefined || exp < now) {
    throw new AccessDeniedError(`oidc: token is expired (Token Expiry: ${exp === undefined ? 'unset' : new Date(exp * 1000).toISOString()})`)
  }
  const nbf = numeric(payload.nbf)
  if (nbf !== undefined && now + OIDC_NBF_LEEWAY_S < nbf) throw new AccessDeniedError('token not before in future')
}

/** The verified claims, or an AccessDeniedError saying why not (never echoing the token). */
export async function verifyJwt(token: string, keys: JWTVerifyGetKey, x: JwtExpectations): Promise<JWTPayload> {
  const payload = await verifySignature(token, keys, x)
  if (x.style === 'oidc') checkOidcClaims(payload, x)
  else checkStaticClaims(payload, x)
  return payload
}
