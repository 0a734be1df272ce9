/**
 * SubjectPublicKeyInfo DER for the leaf path, without OpenSSL's decoder framework where possible: on
 * the 2-core dev machine `createPublicKey(der)` and `export({type: 'spki'})` each cost ~250 µs (OpenSSL 3.0),
 * several times a P-256 signature. Client-supplied P-256, RSA and Ed25519 SPKI is checked with the
 * DER reader plus explicit math (P-256 point on the curve, RSA modulus size); anything else takes
 * the slow, fully general node:crypto path.
 */
import {createPublicKey, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../../errors.js'
import * as der from './der.js'
import {DerError, children, contents, expectTag, readTlv, whole} from './der-reader.js'

const EC_PUBLIC_KEY = '1.2.840.10045.2.1'
const PRIME256V1 = '1.2.840.10045.3.1.7'
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1'
const ED25519 = '1.3.101.112'

const EC_P256_ALGORITHM = der.sequence(der.oid(EC_PUBLIC_KEY), der.oid(PRIME256V1))
const RSA_ALGORITHM = der.sequence(der.oid(RSA_ENCRYPTION), der.nullValue())
const ED25519_ALGORITHM = der.sequence(der.oid(ED25519))
/** Some encoders omit RSA's NULL parameters; both forms are accepted. */
const RSA_ALGORITHM_NO_PARAMS = der.sequence(der.oid(RSA_ENCRYPTION))

/** RSA keys below this size are refused outright (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048

// P-256 (SEC 2 §2.4.2): y² = x³ − 3x + b over GF(p).
const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn

const toBigInt = (bytes: Uint8Array) => (bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex')))

function onP256(point: Buffer): boolean {
  if (point.length !== 65 || point[0] !== 0x04) return false
  const x = toBigInt(point.subarray(1, 33))
  const y = toBigInt(point.subarray(33))
  if (x >= P || y >= P) return false
  return (y * y - (x * x * x - 3n * x + B)) % P === 0n
}

/**
 * SPKI DER of a key object. RSA goes through the fast PKCS#1 export; other keys use the (slow,
 * ~240 µs) SPKI encoder. Never a JWK export: on Node 20 that can deadlock for a KeyObject fresh from
 * `generateKeyPairSync` (see fast-keygen.ts). Hot paths pass DER (checkedSpki) instead.
 */
export function spkiFromKeyObject(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key
  if (pub.asymmetricKeyType === 'rsa') return der.sequence(RSA_ALGORITHM, der.bitString(pub.export({type: 'pkcs1', format: 'der'})))
  return pub.export({type: 'spki', format: 'der'})
}

/** The subjectPublicKey BIT STRING's key bytes inside an SPKI (what RFC 5280 §4.2.1.2 hashes for a SKI). */
export function spkiKeyBits(spki: Buffer): Buffer {
  const [, keyBits] = children(expectTag(readTlv(spki, 0), 0x30, 'SubjectPublicKeyInfo'))
  return contents(expectTag(keyBits, 0x03, 'subjectPublicKey')).subarray(1)
}

function invalid(reason: string, cause?: unknown): BadParameterError {
  return new BadParameterError(`public key is not a valid PKIX (SubjectPublicKeyInfo) DER key: ${reason}`, {cause})
}

function checkRsa(keyBits: Buffer): void {
  const [n, e] = children(expectTag(readTlv(keyBits, 0), 0x30, 'RSAPublicKey'))
  const modulus = contents(expectTag(n, 0x02, 'modulus'))
  const exponent = toBigInt(contents(expectTag(e, 0x02, 'publicExponent')))
  const bits = (modulus.length - (modulus[0] === 0 ? 1 : 0)) * 8
  if (modulus[0]! & 0x80) throw invalid('negative RSA modulus')
  if (bits < MIN_RSA_BITS) throw invalid(`RSA modulus of ${bits} bits is below ${MIN_RSA_BITS}`)
  if (exponent < 3n || exponent % 2n === 0n) throw invalid('bad RSA public exponent')
}

/**
 * Validate client-supplied SPKI DER and return it. P-256, RSA and Ed25519 are checked here; other
 * algorithms are handed to node:crypto (slow but thorough). Throws BadParameterError.
 */
export function checkedSpki(input: Uint8Array): Buffer {
  const spki = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  let algorithm: Buffer
  let keyBits: Buffer
  try {
    const top = expectTag(readTlv(spki, 0), 0x30, 'SubjectPublicKeyInfo')
    if (top.end !== spki.length) throw new DerError('trailing data')
    const [alg, bits] = children(top)
    algorithm = whole(expectTag(alg, 0x30, 'AlgorithmIdentifier'))
    const bitString = contents(expectTag(bits, 0x03, 'subjectPublicKey'))
    if (bitString[0] !== 0) throw new DerError('unused bits in subjectPublicKey')
    keyBits = bitString.subarray(1)
  } catch (err) {
    throw invalid((err as Error).message, err)
  }
  // Compare whole AlgorithmIdentifier encodings: cheaper than decoding OIDs on the hot path.
  if (algorithm.equals(EC_P256_ALGORITHM)) {
    if (!onP256(keyBits)) throw invalid('the P-256 point is not on the curve (or not uncompressed)')
    return spki
  }
  if (algorithm.equals(RSA_ALGORITHM) || algorithm.equals(RSA_ALGORITHM_NO_PARAMS)) {
    try {
      checkRsa(keyBits)
    } catch (err) {
      if (err instanceof BadParameterError) throw err
      throw invalid((err as Error).message, err)
    }
    return spki
  }
  if (algorithm.equals(ED25519_ALGORITHM) && keyBits.length === 32) return spki
  try {
    return createPublicKey({key: spki, format: 'der', type: 'spki'}).export({type: 'spki', format: 'der'})
  } catch (err) {
    throw invalid('node:crypto cannot import it', err)
  }
}
