/**
 * A cluster's CA material, after Teleport's SPIFFE and JWT-SVID certificate authorities
 * (lib/auth/machineid/workloadidentityv1/issuer_service.go signs with them): the X.509 SPIFFE CA,
 * the JWT-SVID signing key, and a separate CA for bot/admin client certificates. The CA certificates
 * are rare, complex objects, so they are built with @peculiar/x509 (loaded lazily,
 * x509-library.ts); leaves are issued on the fast path (fast-leaf/).
 */
import {KeyObject, createPrivateKey, createPublicKey, randomBytes, webcrypto} from 'node:crypto'
import {BadParameterError, SpiffeIdError} from '../errors.js'
import {TrustDomain} from '../spiffe/id.js'
import {caKeyPair, type CaKeyPair} from './ca-keypair.js'
import {x509Library} from './x509-library.js'
import {generatePrivateKey, jwtAlgFor, jwtKid, keyTypeOf, type JwtAlg, type KeyType} from './keys.js'

export interface JwtSigningKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** Teleport's kid: base64url SHA-256 of the PKCS#1 (RSA) or PKIX DER public key. */
  readonly kid: string
  readonly alg: JwtAlg
  readonly keyType: KeyType
}

export interface CaMaterial {
  readonly clusterName: string
  readonly trustDomain: TrustDomain
  /** Signs X.509-SVIDs; its certificate is the distributed X.509 trust bundle. */
  readonly spiffeCa: CaKeyPair
  readonly jwtKey: JwtSigningKey
  /** Signs short-lived bot and admin client certificates (and may sign the server's TLS cert). */
  readonly botCa: CaKeyPair
  /**
   * Every trusted key, the signing one first: during a rotation (authority/rotation.ts) the new and
   * the old keys are both here, so bundles and verifiers accept both (ca-state.ts).
   */
  readonly spiffeTrusted: readonly CaKeyPair[]
  readonly jwtTrusted: readonly JwtSigningKey[]
  readonly botTrusted: readonly CaKeyPair[]
}

export interface CreateCaOptions {
  readonly clusterName: string
  readonly x509KeyType?: KeyType
  readonly jwtKeyType?: KeyType
  readonly now: () => Date
}

/** Teleport's CA lifetime: 10 years. */
export const CA_VALIDITY_MS = 10 * 365 * 24 * 3600_000
const CA_BACKDATE_MS = 60_000

export function jwtSigningKey(privateKey: KeyObject): JwtSigningKey {
  const keyType = keyTypeOf(privateKey)
  const publicKey = createPublicKey(privateKey)
  return {privateKey, publicKey, kid: jwtKid(publicKey), alg: jwtAlgFor(keyType), keyType}
}

/** The cluster name is the trust domain (as in Teleport's workload identity), so it must be a valid one. */
export function clusterTrustDomain(clusterName: string): TrustDomain {
  try {
    return TrustDomain.parse(clusterName)
  } catch (err) {
    if (err instanceof SpiffeIdError) {
      throw new BadParameterError(`cluster name ${JSON.stringify(clusterName)} is not a valid trust domain: ${err.message}`, {cause: err})
    }
    throw err
  }
}

function webAlgorithm(keyType: KeyType): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return keyType === 'rsa-2048'
    ? {name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256'}
    : {name: 'ECDSA', namedCurve: 'P-256'}
}

/** 128 random bits whose first byte is 0x01..0x7f: a positive, minimally encoded DER INTEGER. */
function positiveSerialHex(): string {
  const bytes = randomBytes(16)
  bytes[0] = bytes[0]! & 0x7f || 1
  return bytes.toString('hex')
}

export interface SelfSignedCaOptions {
  readonly name: string
  readonly keyType: KeyType
  /** Adds the URI SAN `spiffe://<td>` (the SPIFFE CA is itself an SVID with no path, X509-SVID.md §2). */
  readonly trustDomain?: TrustDomain
  readonly now: () => Date
}

/** A self-signed CA: subject CN=O=name, BC CA (critical), KU keyCertSign|cRLSign (critical), SKI. */
export async function createSelfSignedCa(o: SelfSignedCaOptions): Promise<CaKeyPair> {
  const x509 = x509Library()
  const keys = (await webcrypto.subtle.generateKey(webAlgorithm(o.keyType), true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const extensions: InstanceType<typeof x509.Extension>[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
  ]
  if (o.trustDomain !== undefined) {
    extensions.push(new x509.SubjectAlternativeNameExtension([{type: 'url', value: o.trustDomain.idString()}]))
  }
  const now = o.now().getTime()
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: positiveSerialHex(),
      name: [{O: [o.name]}, {CN: [o.name]}],
      notBefore: new Date(now - CA_BACKDATE_MS),
      notAfter: new Date(now + CA_VALIDITY_MS),
      keys,
      signingAlgorithm: o.keyType === 'rsa-2048' ? {name: 'RSASSA-PKCS1-v1_5'} : {name: 'ECDSA', hash: 'SHA-256'},
      extensions,
    },
    webcrypto,
  )
  // Re-imported from PKCS#8 so the key is an ordinary OpenSSL key, exactly as after a load from disk.
  const pkcs8 = KeyObject.from(keys.privateKey).export({type: 'pkcs8', format: 'der'})
  return caKeyPair(Buffer.from(cert.rawData), createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'}))
}

/** Fresh CA material for a cluster. Defaults: X.509 ECDSA P-256, JWT RSA-2048 (Teleport's legacy suite for the SPIFFE JWT key). */
export async function createCaMaterial(o: CreateCaOptions): Promise<CaMaterial> {
  const trustDomain = clusterTrustDomain(o.clusterName)
  const [spiffeCa, botCa] = await Promise.all([
    createSelfSignedCa({name: o.clusterName, keyType: o.x509KeyType ?? 'ecdsa-p256', trustDomain, now: o.now}),
    createSelfSignedCa({name: o.clusterName, keyType: 'ecdsa-p256', now: o.now}),
  ])
  const jwtKey = jwtSigningKey(generatePrivateKey(o.jwtKeyType ?? 'rsa-2048'))
  return withTrust({clusterName: o.clusterName, trustDomain, spiffeCa, jwtKey, botCa})
}

/** Material with one key per CA: each trusts only its signing key. */
export function withTrust(m: Omit<CaMaterial, 'spiffeTrusted' | 'jwtTrusted' | 'botTrusted'>): CaMaterial {
  return {...m, spiffeTrusted: [m.spiffeCa], jwtTrusted: [m.jwtKey], botTrusted: [m.botCa]}
}
