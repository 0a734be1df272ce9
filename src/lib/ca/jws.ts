/**
 * JWS compact serialization: parsing with an algorithm allow-list and signature verification on
 * node:crypto, as go-jose's `ParseSigned` + `Claims(key)` do for go-spiffe (spiffe.md §3.3).
 */
import {constants, verify, type KeyObject} from 'node:crypto'

/** RFC 7518 §3.3–3.5: the only algorithms a JWT-SVID may use (JWT-SVID.md §3). */
export const JWT_SVID_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'] as const
export type JwtSvidAlgorithm = (typeof JWT_SVID_ALGORITHMS)[number]

export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>
  readonly alg: JwtSvidAlgorithm
  readonly kid?: string
  readonly payload: Buffer
  readonly signingInput: string
  readonly signature: Buffer
}

const RAW_B64URL = /^[A-Za-z0-9_-]*$/

function decodeSegment(segment: string): Buffer | undefined {
  if (!RAW_B64URL.test(segment) || segment.length % 4 === 1) return undefined
  return Buffer.from(segment, 'base64url')
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Parse `h.p.s`; undefined for anything malformed or an algorithm outside the allow-list. */
export function parseCompactJws(token: string): CompactJws | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [h, p, s] = parts as [string, string, string]
  const headerBytes = decodeSegment(h)
  const payload = decodeSegment(p)
  const signature = decodeSegment(s)
  if (headerBytes === undefined || payload === undefined || signature === undefined) return undefined
  const header = jsonObject(headerBytes)
  if (header === undefined) return undefined
  const alg = header['alg']
  if (typeof alg !== 'string' || !(JWT_SVID_ALGORITHMS as readonly string[]).includes(alg)) return undefined
  const kid = header['kid']
  if (kid !== undefined && typeof kid !== 'string') return undefined
  return {header, alg: alg as JwtSvidAlgorithm, ...(kid === undefined ? {} : {kid}), payload, signingInput: `${h}.${p}`, signature}
}

const HASH = {'256': 'sha256', '384': 'sha384', '512': 'sha512'} as const
const EC_CURVE = {'256': 'prime256v1', '384': 'secp384r1', '512': 'secp521r1'} as const
const EC_SIZE = {'256': 32, '384': 48, '512': 66} as const

/**
 * Verify a JWS signature. False for any mismatch (key type vs algorithm, curve, signature size, bad
 * signature), which go-jose reports uniformly as `error in cryptographic primitive`.
 */
export function verifyJwsSignature(alg: JwtSvidAlgorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const bits = alg.slice(2) as keyof typeof HASH
  const input = Buffer.from(signingInput)
  const type = key.asymmetricKeyType
  try {
    if (alg.startsWith('RS')) return type === 'rsa' && verify(HASH[bits], input, key, signature)
    if (alg.startsWith('PS')) {
      if (type !== 'rsa' && type !== 'rsa-pss') return false
      return verify(HASH[bits], input, {key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO}, signature)
    }
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== EC_CURVE[bits] || signature.length !== 2 * EC_SIZE[bits]) return false
    return verify(HASH[bits], input, {key, dsaEncoding: 'ieee-p1363'}, signature)
  } catch {
    return false
  }
}
