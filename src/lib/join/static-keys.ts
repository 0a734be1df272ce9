/**
 * A token's `static_jwks` (a JSON JWKS in the token resource), parsed once per distinct text.
 * Refusal prefix as Teleport's validators: "parsing provided jwks".
 */
import {createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey} from 'jose'
import {AccessDeniedError} from '../errors.js'

const parsed = new Map<string, JWTVerifyGetKey>()

export function staticKeys(jwksText: string): JWTVerifyGetKey {
  let keys = parsed.get(jwksText)
  if (keys !== undefined) return keys
  try {
    keys = createLocalJWKSet(JSON.parse(jwksText) as JSONWebKeySet)
  } catch (err) {
    throw new AccessDeniedError(`parsing provided jwks: ${(err as Error).message}`)
  }
  if (parsed.size >= 64) parsed.clear()
  parsed.set(jwksText, keys)
  return keys
}
