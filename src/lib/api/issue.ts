/**
 * SVID issuance on the wire (Teleport's IssueWorkloadIdentities in
 * api/proto/teleport/workloadidentity/v1/issuance_service.proto, as JSON): the requests tbot
 * and an admin send, and the credentials that come back. Bytes are standard base64; times RFC 3339.
 * Each `parse*` is the receiving edge (server for requests, client for responses); `encode*` the
 * sending one.
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import {compileSelector} from '../authz/label-selector.js'
import type {
  IssueJwtRequest, IssueX509Request, JwtSvidCredential, TrustBundle, TrustDomainAuthorities, WorkloadIdentitySelector, X509SvidCredential,
  JwtPublicKey,
} from '../tbot/issuer.js'
import {BadParameterError} from '../errors.js'
import {parseWorkloadAttrs} from './attrs.js'
import {WireReader, isRecord, type JsonRecord} from './reader.js'

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

export interface IssueCommonFields {
  readonly selector: WorkloadIdentitySelector
  readonly ttlMs: number | undefined
  readonly workloadAttrs: WorkloadAttrs | undefined
}

function encodeCommon(r: {selector: WorkloadIdentitySelector; ttlMs: number; workloadAttrs?: WorkloadAttrs}): JsonRecord {
  const selector = r.selector.name !== undefined ? {name: r.selector.name} : {labels: r.selector.labels}
  return {selector, ttl_ms: Math.max(0, Math.round(r.ttlMs)), ...(r.workloadAttrs === undefined ? {} : {workload_attrs: r.workloadAttrs})}
}

export function encodeX509Request(r: IssueX509Request): JsonRecord {
  return {...encodeCommon(r), public_key: b64(r.publicKeyDer)}
}

export function encodeJwtRequest(r: IssueJwtRequest): JsonRecord {
  return {...encodeCommon(r), audiences: [...r.audiences]}
}

export function parseSelector(r: WireReader): WorkloadIdentitySelector {
  const s = r.object('selector', ['name', 'labels'])
  if (s.has('name') === s.has('labels')) throw s.error('', "exactly one of 'name' and 'labels' must be set")
  if (s.has('name')) {
    const name = s.string('name')
    if (name === '') throw s.error('name', 'must not be empty')
    return {name}
  }
  const labels = s.stringListMap('labels')
  if (Object.keys(labels).length === 0) throw s.error('labels', 'must map at least one label to a list of values')
  // The values are patterns the server will run: refuse oversized or too complex ones here, by field name.
  compileSelector(labels, s.field('labels'))
  return {labels}
}

function parseCommon(r: WireReader): IssueCommonFields {
  return {selector: parseSelector(r), ttlMs: r.optionalCount('ttl_ms'), workloadAttrs: parseWorkloadAttrs(r.raw('workload_attrs'))}
}

export function parseX509Request(body: unknown): IssueCommonFields & {publicKeyDer: Buffer} {
  const r = new WireReader(body, '', ['selector', 'ttl_ms', 'workload_attrs', 'public_key'])
  return {...parseCommon(r), publicKeyDer: r.bytes('public_key')}
}

export function parseJwtRequest(body: unknown): IssueCommonFields & {audiences: string[]} {
  const r = new WireReader(body, '', ['selector', 'ttl_ms', 'workload_attrs', 'audiences'])
  return {...parseCommon(r), audiences: r.stringList('audiences')}
}

// ---- credentials (server → client) ----

function encodeMeta(c: X509SvidCredential | JwtSvidCredential): JsonRecord {
  return {
    spiffe_id: c.spiffeId, hint: c.hint, workload_identity_name: c.workloadIdentityName,
    expires_at: c.expiresAt.toISOString(), ttl_ms: c.ttlMs,
  }
}

export function encodeX509Credentials(creds: readonly X509SvidCredential[]): JsonRecord {
  return {credentials: creds.map((c) => ({...encodeMeta(c), certificate: b64(c.certificateDer), chain: c.chainDer.map(b64), serial_number: c.serialNumber}))}
}

export function encodeJwtCredentials(creds: readonly JwtSvidCredential[]): JsonRecord {
  return {credentials: creds.map((c) => ({...encodeMeta(c), jwt: c.jwt, audiences: [...c.audiences]}))}
}

const META_FIELDS = ['spiffe_id', 'hint', 'workload_identity_name', 'expires_at', 'ttl_ms']

function parseMeta(r: WireReader) {
  return {
    spiffeId: r.string('spiffe_id'), hint: r.string('hint'), workloadIdentityName: r.string('workload_identity_name'),
    expiresAt: r.date('expires_at'), ttlMs: r.count('ttl_ms'),
  }
}

function credentialReaders(body: unknown, fields: readonly string[]): WireReader[] {
  return new WireReader(body, '', ['credentials']).list('credentials').map((c, i) => new WireReader(c, `credentials[${i}]`, [...META_FIELDS, ...fields]))
}

export function parseX509Credentials(body: unknown): X509SvidCredential[] {
  return credentialReaders(body, ['certificate', 'chain', 'serial_number']).map((r) => ({
    ...parseMeta(r),
    certificateDer: r.bytes('certificate'),
    chainDer: r.bytesList('chain'),
    serialNumber: r.string('serial_number'),
  }))
}

export function parseJwtCredentials(body: unknown): JwtSvidCredential[] {
  return credentialReaders(body, ['jwt', 'audiences']).map((r) => ({...parseMeta(r), jwt: r.string('jwt'), audiences: r.stringList('audiences')}))
}

// ---- the trust bundle ----

function encodeAuthorities(a: TrustDomainAuthorities): JsonRecord {
  return {trust_domain: a.trustDomain, x509_pem: a.x509Pem, jwt_keys: a.jwtKeys}
}

export function encodeTrustBundle(b: TrustBundle): JsonRecord {
  return {...encodeAuthorities(b), federated: b.federated.map(encodeAuthorities), fingerprint: b.fingerprint}
}

function parseAuthorities(r: WireReader): TrustDomainAuthorities {
  const jwtKeys = r.list('jwt_keys').map((k, i): JwtPublicKey => {
    if (!isRecord(k) || typeof k.kid !== 'string' || typeof k.kty !== 'string') {
      throw new BadParameterError(`${r.field(`jwt_keys[${i}]`)}: must be a JWK with kid and kty`)
    }
    return k as JwtPublicKey
  })
  return {trustDomain: r.string('trust_domain'), x509Pem: r.string('x509_pem'), jwtKeys}
}

export function parseTrustBundle(body: unknown): TrustBundle {
  const r = new WireReader(body, '', ['trust_domain', 'x509_pem', 'jwt_keys', 'federated', 'fingerprint'])
  const federated = r.list('federated').map((f, i) => parseAuthorities(new WireReader(f, `federated[${i}]`, ['trust_domain', 'x509_pem', 'jwt_keys'])))
  return {...parseAuthorities(r), federated, fingerprint: r.string('fingerprint')}
}
