/**
 * Key types, generation and identifiers. Keys are node:crypto KeyObjects throughout: they sign
 * directly with `crypto.sign()` (the fast path, fast-leaf/).
 */
import {createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../errors.js'

/** The key types the CA issues with: Teleport's legacy suite (RSA-2048) and balanced-v1 (ECDSA P-256). */
export type KeyType = 'ecdsa-p256' | 'rsa-2048'

export const KEY_TYPES: readonly KeyType[] = ['ecdsa-p256', 'rsa-2048']

/** JWS algorithms we sign with: RS256 (Teleport's SPIFFE JWT key) or ES256 (its balanced-v1 suite). */
export type JwtAlg = 'RS256' | 'ES256'

/**
 * A new private key, returned re-imported from its PKCS#8 encoding: a KeyObject straight from
 * `generateKeyPairSync` can deadlock Node 20 in a later JWK export (see fast-keygen.ts), and these
 * keys (CA and JWT keys) are long-lived, so the one-time cost does not matter.
 */
export function generatePrivateKey(type: KeyType): KeyObject {
  const pkcs8 =
    type === 'rsa-2048'
      ? generateKeyPairSync('rsa', {modulusLength: 2048, publicExponent: 0x10001, privateKeyEncoding: {type: 'pkcs8', format: 'der'}, publicKeyEncoding: {type: 'spki', format: 'der'}}).privateKey
      : generateKeyPairSync('ec', {namedCurve: 'P-256', privateKeyEncoding: {type: 'pkcs8', format: 'der'}, publicKeyEncoding: {type: 'spki', format: 'der'}}).privateKey
  return createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'})
}

/** The KeyType of a key, or BadParameterError for keys this CA does not use. */
export function keyTypeOf(key: KeyObject): KeyType {
  const details = key.asymmetricKeyDetails
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ecdsa-p256'
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048) return 'rsa-2048'
  const curve = details?.namedCurve !== undefined ? ` ${details.namedCurve}` : ''
  const bits = details?.modulusLength !== undefined ? ` ${details.modulusLength}` : ''
  throw new BadParameterError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${curve}${bits}: want ECDSA P-256 or RSA-2048`)
}

export function jwtAlgFor(type: KeyType): JwtAlg {
  return type === 'rsa-2048' ? 'RS256' : 'ES256'
}

/** PKIX SubjectPublicKeyInfo DER of a public (or private) key. */
export function spkiDer(key: KeyObject): Buffer {
  return publicKeyOf(key).export({type: 'spki', format: 'der'})
}

/** The public half of a key (the key itself when already public). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key
}

/**
 * A JWT key's `kid` as Teleport computes it (`lib/jwt/jwk.go`): base64url without
 * padding of SHA-256 over the PKCS#1 DER public key for RSA, over the PKIX DER otherwise.
 */
export function jwtKid(key: KeyObject): string {
  const publicKey = publicKeyOf(key)
  const der = publicKey.asymmetricKeyType === 'rsa' ? publicKey.export({type: 'pkcs1', format: 'der'}) : spkiDer(publicKey)
  return createHash('sha256').update(der).digest('base64url')
}
