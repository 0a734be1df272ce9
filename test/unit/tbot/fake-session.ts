/**
 * Test helpers for tbot: a real P-256 CA made with @peculiar/x509 that issues real X.509-SVIDs for
 * the public key tbot sends, real ES256 JWT-SVIDs (jose), and a BotSession over them whose answers
 * a test can override per call.
 */
import 'reflect-metadata'
import {createHash, randomBytes, webcrypto} from 'node:crypto'
import * as x509 from '@peculiar/x509'
import {SignJWT} from 'jose'
import type {
  BotSession,
  IssueJwtRequest,
  IssueX509Request,
  JwtPublicKey,
  JwtSvidCredential,
  X509SvidCredential,
  TrustBundle,
} from '../../../src/lib/issuance/contract.js'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

const EC = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const

export interface TestCa {
  readonly trustDomain: string
  readonly cert: x509.X509Certificate
  readonly pem: string
  readonly keys: webcrypto.CryptoKeyPair
  /** The CA key's public JWK, kid `k1`: the JWT-SVIDs below are signed with it. */
  readonly jwk: JwtPublicKey
}

export async function makeCa(trustDomain = 'example.teleport.sh', now = new Date()): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${trustDomain}, O=${trustDomain}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 10 * 24 * 3600_000),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  })
  const {kty, crv, x, y} = await webcrypto.subtle.exportKey('jwk', keys.publicKey)
  const jwk = {kty: kty ?? 'EC', crv, x, y, kid: 'k1'}
  return {trustDomain, cert, pem: cert.toString('pem') + '\n', keys, jwk}
}

export async function issueLeaf(ca: TestCa, publicKeyDer: Uint8Array, spiffeId: string, ttlMs: number, now = new Date()): Promise<Uint8Array> {
  const publicKey = await webcrypto.subtle.importKey('spki', publicKeyDer, {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify'])
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16).toString('hex'),
    subject: 'O=svid',
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + ttlMs),
    signingAlgorithm: EC,
    publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{type: 'url', value: spiffeId}], true),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    ],
  })
  return new Uint8Array(cert.rawData)
}

export function fingerprintOf(pem: string): string {
  return createHash('sha256').update(pem).digest('hex')
}

interface Overrides {
  x509?: (request: IssueX509Request) => Promise<readonly X509SvidCredential[]>
  jwt?: (request: IssueJwtRequest) => Promise<readonly JwtSvidCredential[]>
}

/** A BotSession backed by a real in-memory CA. */
export class FakeSession implements BotSession {
  readonly x509Requests: IssueX509Request[] = []
  readonly jwtRequests: IssueJwtRequest[] = []
  renewals = 0
  closed = false
  federated: TrustBundle['federated'] = []
  jwtKeys: TrustBundle['jwtKeys']
  overrides: Overrides = {}
  private expiresAt: Date

  constructor(readonly ca: TestCa, readonly spiffeId = `spiffe://${ca.trustDomain}/svc/foo`, private readonly now: () => Date = () => new Date()) {
    this.expiresAt = new Date(now().getTime() + 3600_000)
    this.jwtKeys = [ca.jwk]
  }

  async issueX509Svids(request: IssueX509Request): Promise<readonly X509SvidCredential[]> {
    this.x509Requests.push(request)
    if (this.overrides.x509) return this.overrides.x509(request)
    return [await this.x509Credential(request.publicKeyDer, this.spiffeId, 'foo', request.ttlMs)]
  }

  async x509Credential(publicKeyDer: Uint8Array, spiffeId: string, name: string, ttlMs: number): Promise<X509SvidCredential> {
    const now = this.now()
    const der = await issueLeaf(this.ca, publicKeyDer, spiffeId, ttlMs, now)
    return {
      spiffeId, hint: '', workloadIdentityName: name, expiresAt: new Date(now.getTime() + ttlMs), ttlMs,
      certificateDer: der, chainDer: [], serialNumber: '01',
    }
  }

  async issueJwtSvids(request: IssueJwtRequest): Promise<readonly JwtSvidCredential[]> {
    this.jwtRequests.push(request)
    if (this.overrides.jwt) return this.overrides.jwt(request)
    const now = this.now()
    const jwt = await new SignJWT({})
      .setProtectedHeader({alg: 'ES256', typ: 'JWT', kid: 'k1'})
      .setSubject(this.spiffeId)
      .setAudience([...request.audiences])
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor((now.getTime() + request.ttlMs) / 1000))
      .sign(this.ca.keys.privateKey)
    return [{
      spiffeId: this.spiffeId, hint: '', workloadIdentityName: 'foo', expiresAt: new Date(now.getTime() + request.ttlMs),
      ttlMs: request.ttlMs, jwt, audiences: request.audiences,
    }]
  }

  async trustBundle(): Promise<TrustBundle> {
    const x509Pem = this.ca.pem
    const fingerprint = fingerprintOf(JSON.stringify([x509Pem, this.jwtKeys, this.federated]))
    return {trustDomain: this.ca.trustDomain, x509Pem, jwtKeys: this.jwtKeys, federated: this.federated, fingerprint}
  }

  async renew(): Promise<void> {
    this.renewals++
    this.expiresAt = new Date(this.now().getTime() + 3600_000)
  }

  identityExpiresAt(): Date {
    return this.expiresAt
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
