/**
 * JSON Web Keys: public KeyObject <-> JWK. Parsing follows go-jose's `JSONWebKey.UnmarshalJSON`
 * checks and messages (they surface inside go-spiffe's bundle errors, spiffe.md §5), except that
 * symmetric `oct` keys are refused: no SPIFFE algorithm can use them.
 */
import {X509Certificate, createPublicKey, type KeyObject} from 'node:crypto'
import {children, contents, decodeOid, readTlv} from './der-reader.js'
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

const CURVE_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
}

const unsigned = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b).toString('base64url')

/**
 * The key-material members of a public key's JWK (kty first, then n,e or crv,x,y). Read from the
 * DER encodings rather than `export({format: 'jwk'})`, which can deadlock Node 20 for a KeyObject
 * fresh from `generateKeyPairSync` (see fast-keygen.ts).
 */
export function jwkMembers(key: KeyObject): Jwk {
  const pub = publicKeyOf(key)
  if (pub.asymmetricKeyType === 'rsa') {
    const [n, e] = children(readTlv(pub.export({type: 'pkcs1', format: 'der'}), 0))
    return {kty: 'RSA', n: unsigned(contents(n!)), e: unsigned(contents(e!))}
  }
  const [alg, bits] = children(readTlv(pub.export({type: 'spki', format: 'der'}), 0))
  const [algorithm, parameters] = children(alg!)
  const keyBits = contents(bits!).subarray(1)
  const oid = decodeOid(algorithm!)
  if (oid === '1.2.840.10045.2.1' && parameters?.tag === 0x06) {
    const crv = CURVE_NAMES[decodeOid(parameters)]
    if (crv !== undefined && keyBits[0] === 4) {
      const size = (keyBits.length - 1) / 2
      return {kty: 'EC', crv, x: keyBits.subarray(1, 1 + size).toString('base64url'), y: keyBits.subarray(1 + size).toString('base64url')}
    }
  }
  if (oid === '1.3.101.112') return {kty: 'OKP', crv: 'Ed25519', x: keyBits.toString('base64url')}
  throw new TypeError(`cannot express a ${pub.asymmetricKeyType ?? 'unknown'} key as a JWK`)
}

export interface JwtPublicKey {
  readonly publicKey: KeyObject
  readonly kid: string
  readonly alg: JwtAlg
}

/**
 * Teleport's `/workload-identity/jwt-jwks.json` body: `{keys: [{kty, alg, n, e | crv, x, y, use:
 * 'sig', kid}]}` (teleport.md §8).
 */
export function jwksFromKeys(keys: readonly JwtPublicKey[]): {keys: Jwk[]} {
  return {
    keys: keys.map((k) => {
      const {kty, ...material} = jwkMembers(k.publicKey)
      return {kty, alg: k.alg, ...material, use: 'sig', kid: k.kid}
    }),
  }
}

const CURVE_BYTES: Readonly<Record<string, number>> = {'P-256': 32, 'P-384': 48, 'P-521': 66}
const B64URL = /^[A-Za-z0-9_-]*={0,2}$/

function fail(message: string): never {
  throw new JwkError(`go-jose/go-jose: ${message}`)
}

function b64urlMember(jwk: Record<string, unknown>, name: string): Buffer | undefined {
  const v = jwk[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string' || !B64URL.test(v)) fail(`invalid base64url value for ${name}`)
  return Buffer.from(v, 'base64url')
}

function ecKey(jwk: Record<string, unknown>): KeyObject {
  const crv = typeof jwk['crv'] === 'string' ? jwk['crv'] : ''
  const size = CURVE_BYTES[crv]
  if (size === undefined) fail(`unsupported elliptic curve '${crv}'`)
  const x = b64urlMember(jwk, 'x')
  const y = b64urlMember(jwk, 'y')
  if (x === undefined || y === undefined || x.length === 0 || y.length === 0) fail('invalid EC key, missing x/y values')
  if (x.length !== size) fail('invalid EC public key, wrong length for x')
  if (y.length !== size) fail('invalid EC public key, wrong length for y')
  try {
    return createPublicKey({key: {kty: 'EC', crv, x: x.toString('base64url'), y: y.toString('base64url')}, format: 'jwk'})
  } catch {
    return fail('invalid EC key, X/Y are not on declared curve')
  }
}

function rsaKey(jwk: Record<string, unknown>): KeyObject {
  const n = b64urlMember(jwk, 'n')
  const e = b64urlMember(jwk, 'e')
  if (n === undefined || e === undefined || n.length === 0 || e.length === 0) fail('invalid RSA key, missing n/e values')
  try {
    return createPublicKey({key: {kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url')}, format: 'jwk'})
  } catch {
    return fail('invalid RSA key')
  }
}

function okpKey(jwk: Record<string, unknown>): KeyObject {
  if (jwk['crv'] !== 'Ed25519') fail('unsupported key type/format')
  const x = b64urlMember(jwk, 'x')
  if (x === undefined || x.length === 0) fail('invalid Ed key, missing x value')
  try {
    return createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url')}, format: 'jwk'})
  } catch {
    return fail('invalid Ed key')
  }
}

/** The first `x5c` certificate, parsed (standard base64 DER, RFC 7517 §4.7). */
function x5cLeaf(jwk: Record<string, unknown>): X509Certificate[] {
  const x5c = jwk['x5c']
  if (x5c === undefined || x5c === null) return []
  if (!Array.isArray(x5c)) fail('failed to unmarshal x5c field: not an array')
  return x5c.map((entry: unknown) => {
    if (typeof entry !== 'string') fail('failed to unmarshal x5c field: not a string')
    try {
      return new X509Certificate(Buffer.from(entry, 'base64'))
    } catch {
      return fail('failed to unmarshal x5c field: x509: malformed certificate')
    }
  })
}

export interface ParsedJwk {
  readonly key: KeyObject
  readonly use?: string
  readonly kid?: string
  readonly certificates: readonly X509Certificate[]
}

/** Parse one public JWK as go-jose would. Throws JwkError with go-jose's message. */
export function parseJwk(input: unknown): ParsedJwk {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail('invalid JWK, not an object')
  const jwk = input as Record<string, unknown>
  const certificates = x5cLeaf(jwk)
  const kty = jwk['kty']
  if (kty === undefined || kty === '') fail('missing json web key type')
  let key: KeyObject
  if (kty === 'EC') key = ecKey(jwk)
  else if (kty === 'RSA') key = rsaKey(jwk)
  else if (kty === 'OKP') key = okpKey(jwk)
  else return fail('unsupported key type/format')
  if (jwk['d'] !== undefined) fail('invalid JWK, private key material in a public key set')
  if (certificates.length > 0 && !certificates[0]!.publicKey.equals(key)) fail('invalid JWK, public keys in key and x5c fields do not match')
  const use = typeof jwk['use'] === 'string' ? jwk['use'] : undefined
  const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined
  return {key, certificates, ...(use === undefined ? {} : {use}), ...(kid === undefined ? {} : {kid})}
}
