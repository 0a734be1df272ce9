/**
 * SVID issuance on the wire (Teleport's api/proto/teleport/workloadidentity/v1/issuance_service.proto
 * IssueWorkloadIdentities, as JSON): the requests tbot
 * and an admin send, and the credentials that come back. Bytes are standard base64; times RFC 3339.
 * Each `parse*` is the receiving edge (server for requests, client for responses); `encode*` the
 * sending one.
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import {compileSelector} from '../authz/label-selector.js'
import type {
  IssueJwtRequest, IssueX509Request, JwtSvidCredential, TrustBundle, TrustDomainAuthorities, WorkloadIdentitySelector, X509SvidCredential,
  JwtPublicKey,
} from '../issuance/contract.js'
import {FieldReader} from '../document/fields.js'
import {BadParameterError} from '../errors.js'
import {fail, isPlainObject} from '../document/place.js'
import {parseWorkloadAttrs} from './attrs.js'
import {readBody, readBytes, readBytesList, readDate, readStringListMap, type JsonRecord} from './reader.js'

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

function parseSelector(r: FieldReader): WorkloadIdentitySelector {
  const s = r.required.mapping('selector', ['name', 'labels'])
  if (s.has('name') === s.has('labels')) fail(s.place, "exactly one of 'name' and 'labels' must be set")
  const name = s.nonEmptyString('name')
  if (name !== undefined) return {name}
  const labels = readStringListMap(s, 'labels')
  if (Object.keys(labels).length === 0) fail(s.at('labels'), 'must map at least one label to a list of values')
  // The values are patterns the server will run: refuse oversized or too complex ones here, by field name.
  try {
    compileSelector(labels, s.at('labels').path)
  } catch (err) {
    if (err instanceof BadParameterError) fail({loc: s.place.loc, path: ''}, err.message, err)
    throw err
  }
  return {labels}
}

function parseCommon(r: FieldReader): IssueCommonFields {
  const workloadAttrs = parseWorkloadAttrs(r.get('workload_attrs'), r.at('workload_attrs'))
  return {selector: parseSelector(r), ttlMs: r.count('ttl_ms'), workloadAttrs}
}

export function parseX509Request(body: unknown): IssueCommonFields & {publicKeyDer: Buffer} {
  const r = readBody(body, 'request body', ['selector', 'ttl_ms', 'workload_attrs', 'public_key'])
  return {...parseCommon(r), publicKeyDer: readBytes(r, 'public_key')}
}

export function parseJwtRequest(body: unknown): IssueCommonFields & {audiences: string[]} {
  const r = readBody(body, 'request body', ['selector', 'ttl_ms', 'workload_attrs', 'audiences'])
  return {...parseCommon(r), audiences: r.required.stringList('audiences')}
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

function parseMeta(r: FieldReader) {
  return {
    spiffeId: r.required.string('spiffe_id'), hint: r.required.string('hint'), workloadIdentityName: r.required.string('workload_identity_name'),
    expiresAt: readDate(r, 'expires_at'), ttlMs: r.required.count('ttl_ms'),
  }
}

function credentialReaders(body: unknown, fields: readonly string[]): FieldReader[] {
  const credentials = readBody(body, 'response body', ['credentials']).required.list('credentials')
  return credentials.map(({value, place}) => FieldReader.of(value, place, [...META_FIELDS, ...fields]))
}

export function parseX509Credentials(body: unknown): X509SvidCredential[] {
  return credentialReaders(body, ['certificate', 'chain', 'serial_number']).map((r) => ({
    ...parseMeta(r),
    certificateDer: readBytes(r, 'certificate'),
    chainDer: readBytesList(r, 'chain'),
    serialNumber: r.required.string('serial_number'),
  }))
}

export function parseJwtCredentials(body: unknown): JwtSvidCredential[] {
  return credentialReaders(body, ['jwt', 'audiences']).map((r) => ({...parseMeta(r), jwt: r.required.string('jwt'), audiences: r.required.stringList('audiences')}))
}

// ---- the trust bundle ----

function encodeAuthorities(a: TrustDomainAuthorities): JsonRecord {
  return {trust_domain: a.trustDomain, x509_pem: a.x509Pem, jwt_keys: a.jwtKeys}
}

export function encodeTrustBundle(b: TrustBundle): JsonRecord {
  return {
    ...encodeAuthorities(b), federated: b.federated.map(encodeAuthorities), fingerprint: b.fingerprint,
    ...(b.crls ? {crls: b.crls.map((d) => Buffer.from(d).toString('base64'))} : {}),
  }
}

function parseAuthorities(r: FieldReader): TrustDomainAuthorities {
  const jwtKeys = r.required.list('jwt_keys').map(({value, place}): JwtPublicKey => {
    const isJwk = isPlainObject(value) && typeof value.kid === 'string' && typeof value.kty === 'string'
    return isJwk ? (value as JwtPublicKey) : fail(place, 'must be a JWK with kid and kty')
  })
  return {trustDomain: r.required.string('trust_domain'), x509Pem: r.required.string('x509_pem'), jwtKeys}
}

export function parseTrustBundle(body: unknown): TrustBundle {
  const r = readBody(body, 'response body', ['trust_domain', 'x509_pem', 'jwt_keys', 'federated', 'fingerprint', 'crls'])
  const federated = r.required.list('federated').map(({value, place}) =>
    parseAuthorities(FieldReader.of(value, place, ['trust_domain', 'x509_pem', 'jwt_keys'])))
  const crls = r.has('crls') ? readBytesList(r, 'crls') : undefined
  return {...parseAuthorities(r), federated, fingerprint: r.required.string('fingerprint'), ...(crls ? {crls} : {})}
}
