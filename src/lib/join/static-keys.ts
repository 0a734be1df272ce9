/**
 * A token's `static_jwks` (a JSON JWKS in the token resource), parsed once per distinct text.
 * Refusal prefix as Teleport's validators: "parsing provided jwks". jose is loaded when a join needs it.
 */
import type {JSONWebKeySet, JWTVerifyGetKey} from 'jose'
import {AccessDeniedError} from '../errors.js'

const parsed = new Map<string, JWTVerifyGetKey>()

export async function staticKeys(jwksText: string): Promise<JWTVerifyGetKey> {
  let keys = parsed.get(jwksText)
  if (keys !== undefined) return keys
  const {createLocalJWKSet} = await import('jose')
  try {
    keys = createLocalJWKSet(JSON.parse(jwksText) as JSONWebKeySet)
  } catch (err) {
    throw new AccessDeniedError(`parsing provided jwks: ${(err as Error).message}`)
  }
  if (parsed.size >= 64) parsed.clear()
  parsed.set(jwksText, keys)
  return keys
}
