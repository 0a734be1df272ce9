/**
 * JWT-SVID validation for ValidateJWTSVID, step for step and message for message as go-spiffe's
 * `jwtsvid.ParseAndValidate` (spec/spiffe.md §3.3), on node:crypto (synchronous, no jose import on
 * the request path). The keys come from the server's JWT bundles, chosen by the trust domain of `sub`.
 */
import {createPublicKey, verify as verifySignature, constants, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import {SpiffeId, type TrustDomain} from '../spiffe/id.js'
import type {JwtAuthority} from './source.js'

/** go-jose's default leeway for exp, nbf and iat. */
const LEEWAY_MS = 60_000

/** The nine algorithms JWT-SVID allows (§3.1), with the key each needs (go-jose checks the pairing). */
const ALGORITHMS: Readonly<Record<string, {hash: string; kind: 'rsa' | 'pss' | 'ec'; crv?: string}>> = {
  RS256: {hash: 'sha256', kind: 'rsa'}, RS384: {hash: 'sha384', kind: 'rsa'}, RS512: {hash: 'sha512', kind: 'rsa'},
  PS256: {hash: 'sha256', kind: 'pss'}, PS384: {hash: 'sha384', kind: 'pss'}, PS512: {hash: 'sha512', kind: 'pss'},
  ES256: {hash: 'sha256', kind: 'ec', crv: 'P-256'}, ES384: {hash: 'sha384', kind: 'ec', crv: 'P-384'},
  ES512: {hash: 'sha512', kind: 'ec', crv: 'P-521'},
}

export interface ValidatedJwtSvid {
  readonly spiffeId: SpiffeId
  readonly audience: readonly string[]
  readonly expiry: Date
  readonly claims: Readonly<Record<string, unknown>>
}

/** JWT authorities by trust domain name; undefined = no bundle for that trust domain. */
export type JwtAuthorityLookup = (trustDomain: TrustDomain) => readonly JwtAuthority[] | undefined

function fail(reason: string): never {
  throw new BadParameterError(`jwtsvid: ${reason}`)
}

/** go-spiffe passes go-jose's other claim errors through unwrapped (no `jwtsvid: ` prefix). */
function failUnwrapped(message: string): never {
  throw new BadParameterError(message)
}

/** Go's `%q` of a []string: `["a" "b"]`. */
function goQuotedList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`
}

interface ParsedToken {
  readonly header: Record<string, unknown>
  readonly claims: Record<string, unknown>
  readonly signingInput: string
  readonly signature: Buffer
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
    return isObject ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** go-jose's ParseSigned with the nine allowed algorithms: compact form only. */
function parseCompact(token: string): ParsedToken {
  const parts = token.split('.')
  const segmentOk = (s: string): boolean => /^[A-Za-z0-9_-]*$/.test(s)
  if (parts.length !== 3 || !parts.every(segmentOk)) fail('unable to parse JWT token')
  const [h, p, s] = parts as [string, string, string]
  const header = decodeJson(h)
  const claims = decodeJson(p)
  if (header === undefined || claims === undefined) fail('unable to parse JWT token')
  if (typeof header.alg !== 'string' || ALGORITHMS[header.alg] === undefined) fail('unable to parse JWT token')
  return {header, claims, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url')}
}

/** The claims go-spiffe reads before any key is looked at (ParseInsecure's checks). */
function readSubjectAndExpiry(token: ParsedToken): {spiffeId: SpiffeId; expiry: Date} {
  const typ = token.header.typ
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') fail('token header type not equal to either JWT or JOSE')
  const sub = token.claims.sub
  if (typeof sub !== 'string' || sub === '') fail('token missing subject claim')
  const exp = token.claims.exp
  if (typeof exp !== 'number') fail('token missing exp claim')
  let spiffeId: SpiffeId
  try {
    spiffeId = SpiffeId.parse(sub)
  } catch (err) {
    fail(`token has an invalid subject claim: ${(err as Error).message}`)
  }
  return {spiffeId, expiry: new Date(exp * 1000)}
}

const keyCache = new WeakMap<JwtAuthority, KeyObject>()

function publicKeyOf(authority: JwtAuthority): KeyObject {
  let key = keyCache.get(authority)
  if (key === undefined) {
    key = createPublicKey({key: authority as import('node:crypto').JsonWebKey, format: 'jwk'})
    keyCache.set(authority, key)
  }
  return key
}

function signatureValid(token: ParsedToken, authority: JwtAuthority): boolean {
  const alg = ALGORITHMS[token.header.alg as string]
  if (alg === undefined) return false
  if (alg.kind === 'ec' ? authority.kty !== 'EC' || authority.crv !== alg.crv : authority.kty !== 'RSA') return false
  try {
    const key = publicKeyOf(authority)
    const data = Buffer.from(token.signingInput)
    if (alg.kind === 'ec') return verifySignature(alg.hash, data, {key, dsaEncoding: 'ieee-p1363'}, token.signature)
    if (alg.kind === 'pss') {
      return verifySignature(alg.hash, data, {key, padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST}, token.signature)
    }
    return verifySignature(alg.hash, data, key, token.signature)
  } catch {
    return false
  }
}

function audienceOf(claims: Record<string, unknown>): string[] {
  const aud = claims.aud
  if (typeof aud === 'string') return [aud]
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : []
}

function checkTimes(claims: Record<string, unknown>, expiry: Date, now: Date): void {
  const t = now.getTime()
  if (expiry.getTime() < t - LEEWAY_MS) fail('token has expired')
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 > t + LEEWAY_MS) {
    failUnwrapped('go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)')
  }
  if (typeof claims.iat === 'number' && claims.iat * 1000 > t + LEEWAY_MS) {
    failUnwrapped('go-jose/go-jose/jwt: validation field, token issued in the future (iat)')
  }
}

function checkAudience(expected: readonly string[], audience: readonly string[]): void {
  if (expected.length > 0 && !expected.some((a) => audience.includes(a))) {
    fail(`expected audience in ${goQuotedList(expected)} (audience=${goQuotedList(audience)})`)
  }
}

/** Validates `token` for any of `audiences`; failures are BadParameterError(`jwtsvid: …`). */
export function validateJwtSvidToken(
  token: string, audiences: readonly string[], lookup: JwtAuthorityLookup, now: Date,
): ValidatedJwtSvid {
  const parsed = parseCompact(token)
  const {spiffeId, expiry} = readSubjectAndExpiry(parsed)
  const kid = parsed.header.kid
  if (typeof kid !== 'string' || kid === '') fail('token header missing key id')
  const td = spiffeId.trustDomain
  const authorities = lookup(td)
  if (authorities === undefined) fail(`no bundle found for trust domain "${td.name}"`)
  const authority = authorities.find((a) => a.kid === kid)
  if (authority === undefined) fail(`no JWT authority "${kid}" found for trust domain "${td.name}"`)
  if (!signatureValid(parsed, authority)) {
    fail('unable to get claims from token: go-jose/go-jose: error in cryptographic primitive')
  }
  const audience = audienceOf(parsed.claims)
  checkAudience(audiences, audience)
  checkTimes(parsed.claims, expiry, now)
  return {spiffeId, audience, expiry, claims: parsed.claims}
}

/**
 * go-spiffe's `ParseInsecure(token, audience)`: every check but the signature. What a client does
 * with the tokens the Workload API hands it (the server signed them; the client has no keys yet).
 */
export function parseJwtSvidInsecure(token: string, audiences: readonly string[], now: Date): ValidatedJwtSvid {
  const parsed = parseCompact(token)
  const {spiffeId, expiry} = readSubjectAndExpiry(parsed)
  const audience = audienceOf(parsed.claims)
  checkAudience(audiences, audience)
  checkTimes(parsed.claims, expiry, now)
  return {spiffeId, audience, expiry, claims: parsed.claims}
}
