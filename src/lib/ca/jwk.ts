/**
 * JSON Web Keys (RFC 7517) for the public keys of JWT bundles, SPIFFE bundles and Teleport's JWKS.
 * Keys are imported and exported by node:crypto's JWK support (synchronous, so bundle parsing stays
 * synchronous); the JWT-SVID verifier gets its CryptoKeys from jose's `importJWK` (verificationKey).
 * Symmetric (`oct`) and private keys are refused: no SPIFFE authority is either.
 */
import {X509Certificate, createPublicKey, type JsonWebKey, type KeyObject} from 'node:crypto'
import type {importJWK, JWK} from 'jose'
import {publicKeyOf, type JwtAlg} from './keys.js'

/** A public JWK as we emit it; parsing accepts any object and narrows. */
export interface Jwk {
  readonly kty: string
  readonly alg?: string
  readonly use?: string
  readonly kid?: string
  readonly n?: string
  readonly e?: string
  readonly crv?: string
  readonly x?: string
  readonly y?: string
  readonly x5c?: readonly string[]
}

export class JwkError extends Error {}

const membersCache = new WeakMap<KeyObject, Jwk>()

/** Node's JWK of a key, in go-jose's member order: kty, then crv,x,y or n,e (bundle JSON is compared as text). */
function orderedMembers(jwk: JsonWebKey): Jwk {
  const kty = String(jwk.kty)
  if (kty === 'RSA') return {kty, n: String(jwk.n), e: String(jwk.e)}
  if (kty === 'EC') return {kty, crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y)}
  if (kty === 'OKP') return {kty, crv: String(jwk.crv), x: String(jwk.x)}
  throw new JwkError(`cannot express a ${kty} key as a public JWK`)
}

/**
 * The key-material members of a public key's JWK, exported by node:crypto. The export runs on a
 * copy re-imported from SPKI DER: a JWK export of a KeyObject fresh from `generateKeyPairSync` can
 * deadlock Node 20 (fast-leaf/fast-keygen.ts). Cached per KeyObject.
 */
export function jwkMembers(key: KeyObject): Jwk {
  let members = membersCache.get(key)
  if (members === undefined) {
    const spki = publicKeyOf(key).export({type: 'spki', format: 'der'})
    members = orderedMembers(createPublicKey({key: spki, format: 'der', type: 'spki'}).export({format: 'jwk'}))
    membersCache.set(key, members)
  }
  return members
}

export interface JwtPublicKey {
  readonly publicKey: KeyObject
  readonly kid: string
  readonly alg: JwtAlg
}

/**
 * Teleport's `/workload-identity/jwt-jwks.json` body: `{keys: [{kty, alg, n, e | crv, x, y, use:
 * 'sig', kid}]}` (lib/web/apiserver.go serves it from the SPIFFE JWT CA's keys, lib/jwt/jwk.go).
 */
export function jwksFromKeys(keys: readonly JwtPublicKey[]): {keys: Jwk[]} {
  return {
    keys: keys.map((k) => {
      const {kty, ...material} = jwkMembers(k.publicKey)
      return {kty, alg: k.alg, ...material, use: 'sig', kid: k.kid}
    }),
  }
}

/** The certificates of `x5c` (standard base64 DER, RFC 7517 §4.7). */
function x5cCertificates(jwk: Record<string, unknown>): X509Certificate[] {
  const x5c = jwk['x5c']
  if (x5c === undefined || x5c === null) return []
  if (!Array.isArray(x5c) || x5c.some((c) => typeof c !== 'string')) throw new JwkError('x5c must be an array of base64 strings')
  return x5c.map((entry: string, i) => {
    try {
      return new X509Certificate(Buffer.from(entry, 'base64'))
    } catch (err) {
      throw new JwkError(`x5c certificate ${i}: ${(err as Error).message}`, {cause: err})
    }
  })
}

/** SPIFFE authorities are RSA, EC on the JWS curves (RFC 7518 §3.4) or Ed25519; node also knows secp256k1. */
const SUPPORTED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1'])

function publicKeyFromJwk(jwk: Record<string, unknown>): KeyObject {
  if (jwk['d'] !== undefined) throw new JwkError('private key material in a public key set')
  if (jwk['kty'] === 'oct') throw new JwkError('a symmetric (oct) key cannot be a SPIFFE authority')
  let key: KeyObject
  try {
    key = createPublicKey({key: jwk as JsonWebKey, format: 'jwk'})
  } catch (err) {
    throw new JwkError((err as Error).message, {cause: err})
  }
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (key.asymmetricKeyType === 'ec' && !SUPPORTED_CURVES.has(curve ?? '')) throw new JwkError(`unsupported elliptic curve ${String(jwk['crv'])}`)
  return key
}

export interface ParsedJwk {
  readonly key: KeyObject
  readonly use?: string
  readonly kid?: string
  readonly certificates: readonly X509Certificate[]
}

/** Parse one public JWK of a JWKS. Throws JwkError with node:crypto's reason. */
export function parseJwk(input: unknown): ParsedJwk {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new JwkError('a JWK must be a JSON object')
  const jwk = input as Record<string, unknown>
  const certificates = x5cCertificates(jwk)
  const key = publicKeyFromJwk(jwk)
  if (certificates.length > 0 && !certificates[0]!.publicKey.equals(key)) throw new JwkError('the key and its first x5c certificate hold different public keys')
  const use = typeof jwk['use'] === 'string' ? jwk['use'] : undefined
  const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined
  return {key, certificates, ...(use === undefined ? {} : {use}), ...(kid === undefined ? {} : {kid})}
}

type VerificationKey = Awaited<ReturnType<typeof importJWK>>

const verificationKeys = new WeakMap<KeyObject, Map<string, Promise<VerificationKey>>>()

/**
 * The key jose verifies `alg` signatures with, imported by jose from the public key's JWK and cached
 * per KeyObject and algorithm (bundle keys are long-lived). A key that cannot serve `alg` rejects
 * with jose's reason (and keeps doing so).
 */
export function verificationKey(key: KeyObject, alg: string): Promise<VerificationKey> {
  let byAlg = verificationKeys.get(key)
  if (byAlg === undefined) {
    byAlg = new Map()
    verificationKeys.set(key, byAlg)
  }
  let imported = byAlg.get(alg)
  if (imported === undefined) {
    const members = jwkMembers(key) as JWK
    imported = import('jose').then((jose) => jose.importJWK(members, alg))
    byAlg.set(alg, imported)
  }
  return imported
}
