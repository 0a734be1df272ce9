/**
 * JWT-SVIDs for Node users: go-spiffe's `ParseInsecure` and `ParseAndValidate` with the same steps,
 * order and messages (spiffe.md §3.3), including go-jose's one-minute leeway and its unprefixed
 * nbf/iat messages. parseInsecure errors are BadParameterError; parseAndValidate errors are
 * UnauthenticatedError (the token is not trusted).
 */
import {parseCompactJws, verifyJwsSignature, type CompactJws} from '../ca/jws.js'
import {BadParameterError, UnauthenticatedError, type SvidkitError} from '../errors.js'
import type {JwtBundleSource} from './bundle.js'
import {SpiffeId} from './id.js'

/** go-jose's DefaultLeeway. */
export const LEEWAY_MS = 60_000

interface RegisteredClaims {
  readonly sub: string
  readonly aud: readonly string[] | undefined
  readonly exp: number | undefined
  readonly nbf: number | undefined
  readonly iat: number | undefined
}

type ErrorFactory = (message: string) => SvidkitError

/** Go `%q` of a []string: `["a" "b"]` (nil prints as `[]`). */
function goQuotedList(list: readonly string[] | undefined): string {
  return `[${(list ?? []).map((s) => JSON.stringify(s)).join(' ')}]`
}

function stringClaim(claims: Record<string, unknown>, name: string): string {
  const v = claims[name]
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${jsonType(v)} into Go struct field Claims.${name} of type string`)
  return v
}

/** go-jose NumericDate: any JSON number, truncated to whole seconds. */
function dateClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number') throw new Error('go-jose/go-jose/jwt: expected number value to unmarshal NumericDate')
  return Math.trunc(v)
}

function audienceClaim(claims: Record<string, unknown>): readonly string[] | undefined {
  const v = claims['aud']
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return v as string[]
  throw new Error('go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience')
}

function jsonType(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v
}

function readClaims(jws: CompactJws): {claims: Record<string, unknown>; registered: RegisteredClaims} {
  let parsed: unknown
  try {
    parsed = JSON.parse(jws.payload.toString('utf8'))
  } catch (err) {
    throw new Error(`invalid character in claims JSON: ${(err as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`json: cannot unmarshal ${jsonType(parsed)} into Go value of type jwt.Claims`)
  }
  const claims = parsed as Record<string, unknown>
  stringClaim(claims, 'iss')
  stringClaim(claims, 'jti')
  const registered = {
    sub: stringClaim(claims, 'sub'),
    aud: audienceClaim(claims),
    exp: dateClaim(claims, 'exp'),
    nbf: dateClaim(claims, 'nbf'),
    iat: dateClaim(claims, 'iat'),
  }
  return {claims, registered}
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

export interface JwtSvidOptions {
  /** Validation time; defaults to the current time. */
  readonly now?: () => Date
}

type ClaimsSource = (jws: CompactJws, id: SpiffeId, fail: ErrorFactory) => Record<string, unknown>

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
    const raw = (m: string) => new BadParameterError(m)
    return JwtSvid.parse(token, audience, options, (m) => raw(`jwtsvid: ${m}`), raw, (jws) => readClaims(jws).claims)
  }

  /** Parse, verify the signature with the bundle of `sub`'s trust domain (kid required), validate. */
  static parseAndValidate(token: string, bundleSource: JwtBundleSource, audience: readonly string[], options: JwtSvidOptions = {}): JwtSvid {
    const raw = (m: string) => new UnauthenticatedError(m)
    return JwtSvid.parse(token, audience, options, (m) => raw(`jwtsvid: ${m}`), raw, (jws, id, fail) => {
      if (jws.kid === undefined || jws.kid === '') throw fail('token header missing key id')
      const td = id.trustDomain
      let bundle
      try {
        bundle = bundleSource.getJwtBundleForTrustDomain(td)
      } catch {
        throw fail(`no bundle found for trust domain ${JSON.stringify(td.name)}`)
      }
      const key = bundle.findJwtAuthority(jws.kid)
      if (key === undefined) throw fail(`no JWT authority ${JSON.stringify(jws.kid)} found for trust domain ${JSON.stringify(td.name)}`)
      // RFC 7515 §4.1.11: extensions we do not understand must not be ignored (go-jose refuses them too).
      if ('crit' in jws.header) throw fail('unable to get claims from token: go-jose/go-jose: unsupported critical header')
      if (!verifyJwsSignature(jws.alg, key, jws.signingInput, jws.signature)) {
        throw fail('unable to get claims from token: go-jose/go-jose: error in cryptographic primitive')
      }
      return readClaims(jws).claims
    })
  }

  private static parse(token: string, audience: readonly string[], options: JwtSvidOptions, fail: ErrorFactory, raw: ErrorFactory, getClaims: ClaimsSource): JwtSvid {
    const jws = parseCompactJws(token)
    if (jws === undefined) throw fail('unable to parse JWT token')
    if ('typ' in jws.header && jws.header['typ'] !== 'JWT' && jws.header['typ'] !== 'JOSE') {
      throw fail('token header type not equal to either JWT or JOSE')
    }
    let registered: RegisteredClaims
    try {
      registered = readClaims(jws).registered
    } catch (err) {
      throw fail(`unable to get claims from token: ${(err as Error).message}`)
    }
    if (registered.sub === '') throw fail('token missing subject claim')
    if (registered.exp === undefined) throw fail('token missing exp claim')
    let id: SpiffeId
    try {
      id = SpiffeId.parse(registered.sub)
    } catch (err) {
      throw fail(`token has an invalid subject claim: ${(err as Error).message}`)
    }
    const claims = getClaims(jws, id, fail)
    validateClaims(registered, audience, (options.now ?? (() => new Date()))().getTime(), fail, raw)
    return new JwtSvid(id, registered.aud ?? [], new Date(registered.exp * 1000), claims, token)
  }

  /** The original token. */
  marshal(): string {
    return this.token
  }

  withHint(hint: string): JwtSvid {
    return new JwtSvid(this.id, this.audience, this.expiry, this.claims, this.token, hint)
  }
}
