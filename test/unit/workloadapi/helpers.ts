/**
 * Test fixtures for the Workload API: a real P-256 CA, real X509-SVIDs signed by it (@peculiar/x509
 * over WebCrypto), real ES256 JWT-SVIDs (node:crypto), and a WorkloadIdentitySource whose
 * entitlement is a function of the caller, with rotation that notifies like tbot's source will.
 */
import 'reflect-metadata'
import {createPrivateKey, createPublicKey, sign, webcrypto, type KeyObject} from 'node:crypto'
import {generatePrivateKey} from '../../../src/lib/ca/keys.js'
import * as x509 from '@peculiar/x509'
import {SpiffeId, TrustDomain} from '../../../src/lib/spiffe/id.js'
import type {
  JwtAuthority, JwtSvidEntry, TrustBundles, TrustDomainBundle, WorkloadCaller, WorkloadIdentitySource, X509SvidEntry,
} from '../../../src/lib/workloadapi/source.js'

const EC = {name: 'ECDSA', namedCurve: 'P-256'} as const
const SIGNING = {name: 'ECDSA', hash: 'SHA-256'} as const
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

type CryptoKeyPair = webcrypto.CryptoKeyPair

export interface TestCa {
  readonly trustDomain: TrustDomain
  readonly der: Uint8Array
  readonly keys: CryptoKeyPair
  readonly cert: x509.X509Certificate
}

export async function makeCa(td: string, now = new Date()): Promise<TestCa> {
  const trustDomain = TrustDomain.parse(td)
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `O=${td}`, keys, signingAlgorithm: SIGNING,
    notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 24 * 3600_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{type: 'url', value: trustDomain.idString()}]),
    ],
  })
  return {trustDomain, der: new Uint8Array(cert.rawData), keys, cert}
}

export interface SvidOptions {
  readonly ttlMs?: number
  readonly dns?: readonly string[]
  readonly ips?: readonly string[]
  readonly hint?: string
  readonly now?: Date
}

/** A leaf X509-SVID with its PKCS#8 key, as a source entry (leaf, then nothing: the CA is the root). */
export async function issueX509Svid(ca: TestCa, id: string, options: SvidOptions = {}): Promise<X509SvidEntry & {notAfter: Date}> {
  const now = options.now ?? new Date()
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair
  const notAfter = new Date(Math.floor((now.getTime() + (options.ttlMs ?? 3600_000)) / 1000) * 1000)
  const sans = [
    {type: 'url' as const, value: id},
    ...(options.dns ?? []).map((value) => ({type: 'dns' as const, value})),
    ...(options.ips ?? []).map((value) => ({type: 'ip' as const, value})),
  ]
  const cert = await x509.X509CertificateGenerator.create({
    subject: '', issuer: ca.cert.subject, publicKey: keys.publicKey, signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING, notBefore: new Date(now.getTime() - 60_000), notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(sans, true),
    ],
  })
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  return {spiffeId: SpiffeId.parse(id), chain: [new Uint8Array(cert.rawData)], privateKey: pkcs8, hint: options.hint ?? '', notAfter}
}

export interface JwtKey {
  readonly privateKey: KeyObject
  readonly authority: JwtAuthority
}

export function makeJwtKey(kid: string): JwtKey {
  // Re-imported through PKCS#8: a JWK export from a key straight out of generateKeyPairSync can
  // deadlock Node 20 (src/lib/ca/fast-keygen.ts explains).
  const privateKey = generatePrivateKey('ecdsa-p256')
  const jwk = createPublicKey(privateKey).export({format: 'jwk'}) as Record<string, unknown>
  return {privateKey, authority: {...jwk, kid, kty: 'EC', use: 'jwt-svid'}}
}

/** A compact ES256 JWS with a header and claims of the caller's choosing. */
export function signJwt(key: KeyObject | string, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${enc(header)}.${enc(claims)}`
  const signature = sign('sha256', Buffer.from(input), {key: privateKey, dsaEncoding: 'ieee-p1363'})
  return `${input}.${signature.toString('base64url')}`
}

export function jwtSvid(key: JwtKey, sub: string, aud: readonly string[], expSeconds: number, hint = ''): JwtSvidEntry {
  const token = signJwt(key.privateKey, {alg: 'ES256', kid: key.authority.kid, typ: 'JWT'},
    {sub, aud, exp: expSeconds, iat: Math.floor(Date.now() / 1000)})
  return {spiffeId: SpiffeId.parse(sub), token, hint}
}

export function bundleOf(ca: TestCa, jwt: readonly JwtKey[]): TrustDomainBundle {
  return {trustDomain: ca.trustDomain, x509Authorities: [ca.der], jwtAuthorities: jwt.map((k) => k.authority)}
}

/**
 * A source with one identity, entitled by `entitled(caller)`. rotate() issues a new SVID (and, when
 * asked, a new CA) and notifies every listener, as tbot's source does on renewal or CA rotation.
 */
export class TestSource implements WorkloadIdentitySource {
  svid!: X509SvidEntry & {notAfter: Date}
  trust!: TrustBundles
  ca!: TestCa
  readonly jwtKey = makeJwtKey('test-kid-1')
  readonly calls: WorkloadCaller[] = []
  private readonly listeners = new Set<() => void>()

  private constructor(readonly spiffeId: string, readonly entitled: (caller: WorkloadCaller) => boolean,
    private readonly svidOptions: SvidOptions) {}

  static async create(spiffeId: string, entitled: (caller: WorkloadCaller) => boolean = () => true,
    svidOptions: SvidOptions = {}): Promise<TestSource> {
    const source = new TestSource(spiffeId, entitled, svidOptions)
    source.ca = await makeCa(SpiffeId.parse(spiffeId).trustDomain.name)
    source.svid = await issueX509Svid(source.ca, spiffeId, svidOptions)
    source.trust = {local: bundleOf(source.ca, [source.jwtKey]), federated: []}
    return source
  }

  async x509Svids(caller: WorkloadCaller): Promise<readonly X509SvidEntry[]> {
    this.calls.push(caller)
    return this.entitled(caller) ? [this.svid] : []
  }

  async jwtSvids(caller: WorkloadCaller, audiences: readonly string[]): Promise<readonly JwtSvidEntry[]> {
    this.calls.push(caller)
    if (!this.entitled(caller)) return []
    return [jwtSvid(this.jwtKey, this.spiffeId, audiences, Math.floor(Date.now() / 1000) + 300, this.svidOptions.hint)]
  }

  bundles(): TrustBundles {
    return this.trust
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get listenerCount(): number {
    return this.listeners.size
  }

  /** New SVID; with newCa, a new CA too (so the bundles change). Then notifies. */
  async rotate(newCa = false): Promise<void> {
    if (newCa) {
      this.ca = await makeCa(this.ca.trustDomain.name)
      this.trust = {local: bundleOf(this.ca, [this.jwtKey]), federated: this.trust.federated}
    }
    this.svid = await issueX509Svid(this.ca, this.spiffeId, this.svidOptions)
    for (const listener of this.listeners) listener()
  }
}
