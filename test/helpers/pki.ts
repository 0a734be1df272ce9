/**
 * The one test PKI: real P-256 roots, intermediates, TLS server/client leaves and X509-SVIDs made with
 * @peculiar/x509 on node's WebCrypto; ES256 JWT keys and JWT-SVIDs; and CAs made by the product's own
 * code (src/lib/ca/ca-material.ts) for the tests that need Teleport's exact certificate fields.
 * Not a test file itself (no `.test.`).
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import {createPrivateKey, createPublicKey, sign, webcrypto, X509Certificate, type KeyObject} from 'node:crypto'
import {createCaMaterial, type CaMaterial, type CreateCaOptions} from '../../src/lib/ca/ca-material.js'
import {generatePrivateKey} from '../../src/lib/ca/keys.js'
import {toPem} from '../../src/lib/ca/pem.js'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

type CryptoKeyPair = webcrypto.CryptoKeyPair

const ALG = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const
const MINUTE = 60_000
const HOUR = 3600_000
let serial = 1

/** A certificate with its key pair, in every form the tests hand around. */
export interface TestCert {
  readonly certPem: string
  readonly keyPem: string
  readonly der: Buffer
  /** The private key as PKCS#8 DER. */
  readonly keyDer: Buffer
  readonly node: X509Certificate
  readonly cert: x509.X509Certificate
  readonly keys: CryptoKeyPair
}

export interface CertOptions {
  readonly notBefore?: Date
  readonly notAfter?: Date
}

type Names = readonly {type: 'dns' | 'ip' | 'url'; value: string}[]

export async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair
}

/** Without a private key (a leaf for someone else's key) the key fields stay empty. */
async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair | {publicKey: webcrypto.CryptoKey}): Promise<TestCert> {
  const keyDer = 'privateKey' in keys ? Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) : Buffer.alloc(0)
  const der = Buffer.from(cert.rawData)
  const keyPem = keyDer.length > 0 ? toPem('PRIVATE KEY', keyDer) : ''
  return {certPem: cert.toString('pem') + '\n', keyPem, der, keyDer, node: new X509Certificate(der), cert, keys: keys as CryptoKeyPair}
}

function validity(options: CertOptions): {notBefore: Date; notAfter: Date} {
  return {notBefore: options.notBefore ?? new Date(Date.now() - HOUR), notAfter: options.notAfter ?? new Date(Date.now() + 24 * HOUR)}
}

function nextSerial(): string {
  return (serial++).toString(16).padStart(2, '0')
}

const caUsages = (): x509.Extension[] => [
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
]

async function selfSigned(subject: string, options: CertOptions, extensions: x509.Extension[]): Promise<TestCert> {
  const keys = await newKeyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(), name: subject, ...validity(options), keys, signingAlgorithm: ALG, extensions,
  })
  return finish(cert, keys)
}

/** A self-signed root CA. */
export async function makeRootCa(name: string, options: CertOptions = {}): Promise<TestCert> {
  const keys = await newKeyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(), name: `CN=${name}`, ...validity(options), keys, signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), ...caUsages(),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  })
  return finish(cert, keys)
}

/** An intermediate CA signed by `issuer`. */
export async function makeIntermediateCa(name: string, issuer: TestCert, options: CertOptions = {}): Promise<TestCert> {
  return issue(issuer, `CN=${name}`, options, [new x509.BasicConstraintsExtension(true, 0, true), ...caUsages()])
}

/** A TLS server certificate for localhost / 127.0.0.1 (or the given names). */
export async function makeServerCert(issuer: TestCert, options: CertOptions & {dns?: string[]; ips?: string[]} = {}): Promise<TestCert> {
  return issue(issuer, 'CN=server', options, [
    ...leafUsages(x509.KeyUsageFlags.digitalSignature, [x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(sans(options.dns ?? ['localhost'], options.ips ?? ['127.0.0.1'])),
  ])
}

/** A TLS client certificate with the given common name. */
export async function makeClientCert(issuer: TestCert, commonName: string, options: CertOptions = {}): Promise<TestCert> {
  return issue(issuer, `CN=${commonName}`, options, leafUsages(x509.KeyUsageFlags.digitalSignature, [x509.ExtendedKeyUsage.clientAuth]))
}

/** A self-signed server certificate (no CA at all). */
export async function makeSelfSignedServerCert(): Promise<TestCert> {
  return selfSigned('CN=localhost', {}, [new x509.SubjectAlternativeNameExtension(sans(['localhost'], ['127.0.0.1']))])
}

/** A trust domain's SPIFFE X.509 authority (a root with the trust domain's URI) and the public JWK of its key, kid `k1`. */
export interface TrustDomainCa extends TestCert {
  readonly trustDomain: string
  readonly jwk: {kty: string; crv?: string; x?: string; y?: string; kid: string}
}

export async function makeTrustDomainCa(trustDomain = 'example.teleport.sh', now = new Date()): Promise<TrustDomainCa> {
  const ca = await selfSigned(`CN=${trustDomain}, O=${trustDomain}`,
    {notBefore: new Date(now.getTime() - MINUTE), notAfter: new Date(now.getTime() + 10 * 24 * HOUR)},
    [new x509.BasicConstraintsExtension(true, undefined, true), ...caUsages(),
      new x509.SubjectAlternativeNameExtension([{type: 'url', value: `spiffe://${trustDomain}`}])])
  const {kty, crv, x, y} = await webcrypto.subtle.exportKey('jwk', ca.keys.publicKey)
  return {...ca, trustDomain, jwk: {kty: kty ?? 'EC', crv, x, y, kid: 'k1'}}
}

export interface SvidOptions {
  readonly ttlMs?: number
  readonly dns?: readonly string[]
  readonly ips?: readonly string[]
  readonly now?: Date
  /** The SPKI DER of the key to certify (what a bot sends); a new key pair when absent. */
  readonly publicKeyDer?: Uint8Array
}

/**
 * An X509-SVID leaf with the fields Teleport's issuer sets (lib/auth/machineid/workloadidentityv1/
 * issuer_service.go): empty subject, critical URI SAN, both TLS EKUs. notAfter is whole seconds, as encoded.
 */
export async function makeSvid(issuer: TestCert, spiffeId: string, options: SvidOptions = {}): Promise<TestCert & {notAfter: Date}> {
  const now = options.now ?? new Date()
  const keys = options.publicKeyDer === undefined ? await newKeyPair() : undefined
  const publicKey = keys?.publicKey ?? await webcrypto.subtle.importKey('spki', options.publicKeyDer!, ALG, true, ['verify'])
  const notAfter = new Date(Math.floor((now.getTime() + (options.ttlMs ?? HOUR)) / 1000) * 1000)
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(), subject: '', issuer: issuer.cert.subject, publicKey, signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALG, notBefore: new Date(now.getTime() - MINUTE), notAfter,
    extensions: [
      ...leafUsages(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement,
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{type: 'url', value: spiffeId}, ...sans(options.dns ?? [], options.ips ?? [])], true),
    ],
  })
  return {...await finish(cert, keys ?? {publicKey}), notAfter}
}

function leafUsages(usages: number, ekus: string[]): x509.Extension[] {
  return [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(usages, true), new x509.ExtendedKeyUsageExtension(ekus)]
}

function sans(dns: readonly string[], ips: readonly string[]): Names {
  return [...dns.map((value) => ({type: 'dns' as const, value})), ...ips.map((value) => ({type: 'ip' as const, value}))]
}

async function issue(issuer: TestCert, subject: string, options: CertOptions, extensions: x509.Extension[]): Promise<TestCert> {
  const keys = await newKeyPair()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(), subject, issuer: issuer.cert.subject, ...validity(options),
    publicKey: keys.publicKey, signingKey: issuer.keys.privateKey, signingAlgorithm: ALG,
    extensions: [...extensions, await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert)],
  })
  return finish(cert, keys)
}

/** An ES256 JWT-SVID signing key and its public JWK as a Workload API authority. */
export interface JwtKey {
  readonly privateKey: KeyObject
  readonly authority: {kid: string; kty: string; use: string; [field: string]: unknown}
}

export function makeJwtKey(kid: string): JwtKey {
  // Re-imported through PKCS#8: a JWK export from a key straight out of generateKeyPairSync can
  // deadlock Node 20 (src/lib/ca/fast-keygen.ts explains).
  const privateKey = generatePrivateKey('ecdsa-p256')
  const jwk = createPublicKey(privateKey).export({format: 'jwk'}) as Record<string, unknown>
  return {privateKey, authority: {...jwk, kid, kty: 'EC', use: 'jwt-svid'}}
}

/**
 * A compact ES256 JWS with a header and claims of the caller's choosing, malformed ones included
 * (jose's SignJWT validates what it signs; these tests need tokens it would not make).
 */
export function signJwt(key: KeyObject | string, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${enc(header)}.${enc(claims)}`
  const signature = sign('sha256', Buffer.from(input), {key: privateKey, dsaEncoding: 'ieee-p1363'})
  return `${input}.${signature.toString('base64url')}`
}

/** A new CA made by the product's own code (src/lib/ca/ca-material.ts), cluster `example.org` unless told. */
export function makeProductCa(opts: Partial<CreateCaOptions> = {}): Promise<CaMaterial> {
  return createCaMaterial({clusterName: 'example.org', now: () => new Date(), ...opts})
}

const productCas = new Map<string, Promise<CaMaterial>>()

/** A CA made by the product's own code, one per configuration per test file (RSA key generation is the slow part). */
export function sharedCa(opts: Partial<CreateCaOptions> = {}): Promise<CaMaterial> {
  const key = JSON.stringify({...opts, now: opts.now?.().toISOString()})
  let ca = productCas.get(key)
  if (ca === undefined) {
    ca = makeProductCa(opts)
    productCas.set(key, ca)
  }
  return ca
}

export const fixedClock = (iso: string) => () => new Date(iso)
