/**
 * JWT-SVID signing as Teleport's `lib/jwt/jwt.go` writes them, straight on node:crypto (why not
 * jose: index.ts).
 *
 * Token shape: header `{"alg","kid","typ":"JWT"}`; claims `aud` (always a list), `exp`, `iat`,
 * `iss`, `jti` (32 hex chars), `sub`, plus extra claims; keys in sorted order, as Go's map
 * marshalling writes them. No `nbf`. Extra claims may not name a registered claim (iss, sub, aud,
 * jti, iat, exp, nbf): that is a BadParameterError, never a silent override either way.
 */
import {sign, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../../errors.js'
import {SpiffeId} from '../../spiffe/id.js'
import type {JwtAlg} from '../keys.js'
import {randomChunk} from './random-pool.js'

export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'jti', 'iat', 'exp', 'nbf'])

export interface SignJwtSvidParams {
  /** The private signing key (RSA for RS256, P-256 for ES256). */
  readonly key: KeyObject
  readonly kid: string
  readonly alg: JwtAlg
  readonly issuer: string
  readonly spiffeId: string | SpiffeId
  readonly audiences: readonly string[]
  readonly ttlMs: number
  readonly extraClaims?: Readonly<Record<string, unknown>>
  readonly now: () => Date
}

export interface SignedJwtSvid {
  readonly token: string
  readonly jti: string
  readonly issuedAt: Date
  readonly expiresAt: Date
}

const headerCache = new Map<string, string>()

function encodedHeader(alg: JwtAlg, kid: string): string {
  const cacheKey = alg + '\n' + kid
  let h = headerCache.get(cacheKey)
  if (h === undefined) {
    h = Buffer.from(JSON.stringify({alg, kid, typ: 'JWT'})).toString('base64url')
    if (headerCache.size > 64) headerCache.clear()
    headerCache.set(cacheKey, h)
  }
  return h
}

/** Plain objects with their keys sorted at every level (Go map order); other values as they are. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep)
  if (value === null || typeof value !== 'object' || value instanceof Date) return value
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value).sort()) out[k] = sortedDeep((value as Record<string, unknown>)[k])
  return out
}

function claimsJson(registered: Record<string, unknown>, extra: Readonly<Record<string, unknown>> | undefined): string {
  if (extra === undefined) return JSON.stringify(registered)
  for (const name of Object.keys(extra)) {
    if (REGISTERED_CLAIMS.has(name)) throw new BadParameterError(`extra claim ${JSON.stringify(name)} would override a registered claim`)
  }
  return JSON.stringify(sortedDeep({...registered, ...extra}))
}

function checkParams(p: SignJwtSvidParams): void {
  if (p.audiences.length === 0) throw new BadParameterError('at least one audience should be specified')
  if (!Number.isFinite(p.ttlMs) || p.ttlMs <= 0) throw new BadParameterError(`ttl must be positive, got ${p.ttlMs} ms`)
  if (p.kid === '') throw new BadParameterError('a JWT-SVID needs a key id (kid)')
  const type = p.key.asymmetricKeyType
  if ((p.alg === 'RS256' && type !== 'rsa') || (p.alg === 'ES256' && (type !== 'ec' || p.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'))) {
    throw new BadParameterError(`key type ${type ?? 'unknown'} cannot sign ${p.alg}`)
  }
}

export function signJwtSvid(p: SignJwtSvidParams): SignedJwtSvid {
  checkParams(p)
  const id = typeof p.spiffeId === 'string' ? SpiffeId.parse(p.spiffeId) : p.spiffeId
  const nowMs = p.now().getTime()
  const iat = Math.floor(nowMs / 1000)
  const exp = Math.floor((nowMs + p.ttlMs) / 1000)
  const jti = randomChunk(16).toString('hex')
  const registered = {aud: [...p.audiences], exp, iat, iss: p.issuer, jti, sub: id.toString()}
  const signingInput = encodedHeader(p.alg, p.kid) + '.' + Buffer.from(claimsJson(registered, p.extraClaims)).toString('base64url')
  // JOSE wants ECDSA signatures as r||s (RFC 7518 §3.4), not DER.
  const signature = p.alg === 'ES256' ? sign('sha256', Buffer.from(signingInput), {key: p.key, dsaEncoding: 'ieee-p1363'}) : sign('sha256', Buffer.from(signingInput), p.key)
  return {token: signingInput + '.' + signature.toString('base64url'), jti, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000)}
}
