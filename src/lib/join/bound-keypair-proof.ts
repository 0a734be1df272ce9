/**
 * The proof a bound-keypair bot gives at every join (Teleport's lib/boundkeypair): the server sends
 * a challenge document, the bot returns it signed with its private key as a compact JWS (jose), and
 * the server checks the signature with the public key bound to the token. Both sides use this file.
 */
import type {KeyObject} from 'node:crypto'
import {AccessDeniedError, BadParameterError} from '../errors.js'

/** The JWS algorithm for a key: one per key type, so no algorithm choice is left to the signer. */
export function signatureAlgorithm(key: KeyObject): string {
  const type = key.asymmetricKeyType
  if (type === 'ed25519') return 'EdDSA'
  if (type === 'rsa') return 'RS256'
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve === 'prime256v1') return 'ES256'
    if (curve === 'secp384r1') return 'ES384'
  }
  throw new BadParameterError(`unsupported bound keypair key type ${String(type)}`)
}

export async function signChallenge(document: string, privateKey: KeyObject): Promise<string> {
  const {CompactSign} = await import('jose')
  return new CompactSign(new TextEncoder().encode(document)).setProtectedHeader({alg: signatureAlgorithm(privateKey)}).sign(privateKey)
}

/** The signature must be by `publicKey` and over exactly `document`. */
export async function verifyChallengeSignature(document: string, jws: string, publicKey: KeyObject, which: string): Promise<void> {
  const {compactVerify} = await import('jose')
  try {
    const {payload} = await compactVerify(jws, publicKey, {algorithms: [signatureAlgorithm(publicKey)]})
    if (new TextDecoder().decode(payload) !== document) throw new Error('the signed document is not the challenge')
  } catch (err) {
    throw new AccessDeniedError(`validating challenge response: ${which}: ${(err as Error).message}`)
  }
}
