/**
 * A BotSession for tbot's tests over a trust domain CA from the test PKI (test/helpers/pki.ts): it
 * certifies the public key tbot sends, signs ES256 JWT-SVIDs with the CA key (jose), and lets a test
 * override its answers per call.
 */
import {createHash} from 'node:crypto'
import {SignJWT} from 'jose'
import type {
  BotSession,
  IssueJwtRequest,
  IssueX509Request,
  JwtSvidCredential,
  X509SvidCredential,
  TrustBundle,
} from '../../../src/lib/issuance/contract.js'
import {makeSvid, type TrustDomainCa} from '../../helpers/pki.js'

function fingerprintOf(pem: string): string {
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

  constructor(readonly ca: TrustDomainCa, readonly spiffeId = `spiffe://${ca.trustDomain}/svc/foo`, private readonly now: () => Date = () => new Date()) {
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
    const {der} = await makeSvid(this.ca, spiffeId, {publicKeyDer, ttlMs, now})
    return {
      spiffeId, hint: '', workloadIdentityName: name, expiresAt: new Date(now.getTime() + ttlMs), ttlMs,
      certificateDer: new Uint8Array(der), chainDer: [], serialNumber: '01',
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
    const x509Pem = this.ca.certPem
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
