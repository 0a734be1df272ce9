/**
 * JWT-SVIDs for Node users: go-spiffe's `ParseInsecure` and `ParseAndValidate` (go-spiffe v2
 * `svid/jwtsvid/svid.go`; JWT-SVID.md §3-4) with the same steps, order and top-level messages.
 * jose decodes the token and verifies its signature (compact JWS, RFC 7515) against the bundle key
 * named by `kid`, with the JWS algorithms go-spiffe allows and nothing else; the claim checks are
 * go-jose's as go-spiffe uses them (one-minute leeway, its whole-second boundaries, its unprefixed
 * nbf/iat messages), which jose's own claim validation draws differently. parseInsecure errors are
 * BadParameterError; parseAndValidate errors are UnauthenticatedError (the token is not trusted).
 */
import {compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters} from 'jose'
import {verificationKey} from '../ca/jwk.js'
import {BadParameterError, UnauthenticatedError, type SvidkitError} from '../errors.js'
import type {JwtBundleSource} from './bundle.js'
import {SpiffeId} from './id.js'

/** go-jose's DefaultLeeway. */
export const LEEWAY_MS = 60_000

/** RFC 7518 §3.3-3.5: the JWS algorithms go-spiffe accepts for a JWT-SVID; never `none`, never HMAC. */
export const JWT_SVID_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']

interface RegisteredClaims {
  readonly sub: string
  readonly aud: readonly string[] | undefined
  readonly exp: number | undefined
  readonly nbf: number | undefined
  readonly iat: number | undefined
}

type ErrorFactory = (message: string, cause?: unknown) => SvidkitError

/** Go `%q` of a []string: `["a" "b"]` (nil prints as `[]`). */
function goQuotedList(list: readonly string[] | undefined): string {
  return `[${(list ?? []).map((s) => JSON.stringify(s)).join(' ')}]`
}

function stringClaim(claims: JWTPayload, name: string): string {
  const v = claims[name]
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') throw new Error(`"${name}" claim must be a string`)
  return v
}

/** A NumericDate (RFC 7519 §2), truncated to whole seconds as go-jose keeps it. */
function dateClaim(claims: JWTPayload, name: string): number | undefined {
  const v = claims[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`"${name}" claim must be a number`)
  return Math.trunc(v)
}

function audienceClaim(claims: JWTPayload): readonly string[] | undefined {
  const v = claims.aud
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return v
  throw new Error('"aud" claim must be a string or an array of strings')
}

/** The registered claims go-jose reads into its Claims struct, typed. */
function registeredClaims(claims: JWTPayload): RegisteredClaims {
  stringClaim(claims, 'iss')
  stringClaim(claims, 'jti')
  return {sub: stringClaim(claims, 'sub'), aud: audienceClaim(claims), exp: dateClaim(claims, 'exp'), nbf: dateClaim(claims, 'nbf'), iat: dateClaim(claims, 'iat')}
}

/** go-jose `Claims.Validate(Expected{AnyAudience, Time})` as go-spiffe maps its errors. */
function validateClaims(c: RegisteredClaims, audience: readonly string[], nowMs: number, fail: ErrorFactory, raw: ErrorFactory): void {
  if (audience.length > 0 && !audience.some((a) => c.aud?.includes(a))) {
    throw fail(`expected audience in ${goQuotedList(audience)} (audience=${goQuotedList(c.aud)})`)
  }
  if (c.nbf !== undefined && nowMs + LEEWAY_MS < c.nbf * 1000) throw raw('go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)')
  if (c.exp !== undefined && nowMs - LEEWAY_MS > c.exp * 1000) throw fail('token has expired')
  if (c.iat !== undefined && nowMs + LEEWAY_MS < c.iat * 1000) throw raw('go-jose/go-jose/jwt: validation field, token issued in the future (iat)')
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/

interface DecodedToken {
  readonly header: ProtectedHeaderParameters
  readonly claims: JWTPayload
  readonly registered: RegisteredClaims
  readonly id: SpiffeId
}

/** go-spiffe's `parse` up to the claims source: structure, algorithm, typ, unverified claims, subject. */
function decode(token: string, fail: ErrorFactory): DecodedToken {
  let header: ProtectedHeaderParameters
  try {
    if (!COMPACT_JWS.test(token)) throw new Error('not a compact JWS')
    header = decodeProtectedHeader(token)
  } catch (err) {
    throw fail('unable to parse JWT token', err)
  }
  if (typeof header.alg !== 'string' || !JWT_SVID_ALGORITHMS.includes(header.alg)) throw fail('unable to parse JWT token')
  if (header.kid !== undefined && typeof header.kid !== 'string') throw fail('unable to parse JWT token')
  if ('typ' in header && header.typ !== 'JWT' && header.typ !== 'JOSE') throw fail('token header type not equal to either JWT or JOSE')
  let claims: JWTPayload
  let registered: RegisteredClaims
  try {
    claims = decodeJwt(token)
    registered = registeredClaims(claims)
  } catch (err) {
    throw fail(`unable to get claims from token: ${(err as Error).message}`, err)
  }
  if (registered.sub === '') throw fail('token missing subject claim')
  if (registered.exp === undefined) throw fail('token missing exp claim')
  try {
    return {header, claims, registered, id: SpiffeId.parse(registered.sub)}
  } catch (err) {
    throw fail(`token has an invalid subject claim: ${(err as Error).message}`, err)
  }
}

/** The ParseAndValidate claims source: bundle of the subject's trust domain, key by kid, jose's signature check. */
async function verifiedClaims(token: string, decoded: DecodedToken, bundleSource: JwtBundleSource, fail: ErrorFactory): Promise<JWTPayload> {
  const kid = decoded.header.kid
  if (kid === undefined || kid === '') throw fail('token header missing key id')
  const td = decoded.id.trustDomain
  let bundle
  try {
    bundle = bundleSource.getJwtBundleForTrustDomain(td)
  } catch (err) {
    throw fail(`no bundle found for trust domain ${JSON.stringify(td.name)}`, err)
  }
  const key = bundle.findJwtAuthority(kid)
  if (key === undefined) throw fail(`no JWT authority ${JSON.stringify(kid)} found for trust domain ${JSON.stringify(td.name)}`)
  try {
    // jose refuses any `crit` extension it does not know (RFC 7515 §4.1.11), as go-jose does.
    await compactVerify(token, await verificationKey(key, decoded.header.alg!), {algorithms: [...JWT_SVID_ALGORITHMS]})
  } catch (err) {
    throw fail(`unable to get claims from token: ${(err as Error).message}`, err)
  }
  // The payload jose verified is the one decoded above, byte for byte.
  return decoded.claims
}

export interface JwtSvidOptions {
  /** Validation time; defaults to the current time. */
  readonly now?: () => Date
}

const insecureFail: ErrorFactory = (m, cause) => new BadParameterError(`jwtsvid: ${m}`, {cause})
const insecureRaw: ErrorFactory = (m) => new BadParameterError(m)
const untrustedFail: ErrorFactory = (m) => new UnauthenticatedError(`jwtsvid: ${m}`)
const untrustedRaw: ErrorFactory = (m) => new UnauthenticatedError(m)

export class JwtSvid {
  private constructor(
    readonly id: SpiffeId,
    readonly audience: readonly string[],
    readonly expiry: Date,
    readonly claims: Readonly<Record<string, unknown>>,
    private readonly token: string,
    readonly hint?: string,
  ) {}

  /** Parse and validate claims without checking the signature. */
  static parseInsecure(token: string, audience: readonly string[], options: JwtSvidOptions = {}): JwtSvid {
    const decoded = decode(token, insecureFail)
    return JwtSvid.validated(token, decoded, decoded.claims, audience, options, insecureFail, insecureRaw)
  }

  /** Parse, verify the signature with the bundle of `sub`'s trust domain (kid required), validate. */
  static async parseAndValidate(token: string, bundleSource: JwtBundleSource, audience: readonly string[], options: JwtSvidOptions = {}): Promise<JwtSvid> {
    const decoded = decode(token, untrustedFail)
    const claims = await verifiedClaims(token, decoded, bundleSource, untrustedFail)
    return JwtSvid.validated(token, decoded, claims, audience, options, untrustedFail, untrustedRaw)
  }

  private static validated(
    token: string, decoded: DecodedToken, claims: JWTPayload, audience: readonly string[], options: JwtSvidOptions, fail: ErrorFactory, raw: ErrorFactory,
  ): JwtSvid {
    const {registered, id} = decoded
    validateClaims(registered, audience, (options.now ?? (() => new Date()))().getTime(), fail, raw)
    return new JwtSvid(id, registered.aud ?? [], new Date(registered.exp! * 1000), claims, token)
  }

  /** The original token. */
  marshal(): string {
    return this.token
  }

  withHint(hint: string): JwtSvid {
    return new JwtSvid(this.id, this.audience, this.expiry, this.claims, this.token, hint)
  }
}
