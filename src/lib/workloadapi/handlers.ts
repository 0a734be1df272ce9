/**
 * The Workload API's request handling as plain functions over a WorkloadIdentitySource (go-spiffe's
 * and SPIRE's shape): no gRPC here, so every rule is testable without a socket. server.ts wires
 * them to grpc-js and maps the thrown error codes to gRPC status codes (status.ts):
 * BAD_PARAMETER → InvalidArgument, ACCESS_DENIED → PermissionDenied, NOT_IMPLEMENTED → Unimplemented.
 * Messages are Teleport's (tbot workload_api.go) where it has one, else SPIRE's.
 */
import {AccessDeniedError, BadParameterError, CorruptStateError, SvidkitError, UnauthenticatedError} from '../errors.js'
import {BundleSet, JwtBundle} from '../spiffe/bundle.js'
import {SpiffeId, type TrustDomain} from '../spiffe/id.js'
import type {JwtSvid} from '../spiffe/jwt-svid.js'
import type {
  JwtBundlesResponse, JwtSvidRequest, JwtSvidResponse, ValidateJwtSvidRequest, ValidateJwtSvidResponse,
  X509BundlesResponse, X509SvidMessage, X509SvidResponse,
} from './proto.js'
import {toProtoStruct} from './proto.js'
import {DEFAULT_WORKLOAD_API_LIMITS, type WorkloadApiLimits} from './limits.js'
import type {
  JwtAuthority, TrustBundles, TrustDomainBundle, WorkloadCaller, WorkloadIdentitySource, X509SvidEntry,
} from './source.js'

/** The mandatory request header (Workload Endpoint §2): exactly one value, `true`, case-sensitive. */
export const SECURITY_HEADER = 'workload.spiffe.io'

export const NOT_ENTITLED = 'workload did not pass attestation for any SVIDs'

export function checkSecurityHeader(values: readonly unknown[]): void {
  if (values.length !== 1 || values[0] !== 'true') throw new BadParameterError('security header missing from request')
}

/** Encodings of one TrustBundles object, made once and shared by every stream and call. */
interface EncodedBundles {
  readonly localX509: Buffer
  readonly crls: Buffer[]
  readonly federatedX509: Record<string, Uint8Array>
  readonly x509Bundles: X509BundlesResponse
  readonly jwtBundles: JwtBundlesResponse
}

const encodedCache = new WeakMap<TrustBundles, EncodedBundles>()

/** Private-key parameters never leave the server, whatever a source hands over. */
const PRIVATE_JWK_PARAMS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])

/** A standard JWKS of the JWT keys only, without `use` (SPIRE's StandardJWKS, pkg/agent/endpoints/workload/handler.go). */
function encodeJwks(authorities: readonly JwtAuthority[]): Buffer {
  const keys = authorities.map((key) =>
    Object.fromEntries(Object.entries(key).filter(([name]) => name !== 'use' && !PRIVATE_JWK_PARAMS.has(name))))
  return Buffer.from(JSON.stringify({keys}))
}

function encodeBundles(bundles: TrustBundles): EncodedBundles {
  let encoded = encodedCache.get(bundles)
  if (encoded !== undefined) return encoded
  const x509 = (b: TrustDomainBundle): Buffer => Buffer.concat(b.x509Authorities)
  const key = (b: TrustDomainBundle): string => b.trustDomain.idString()
  const federatedX509 = Object.fromEntries(bundles.federated.map((b) => [key(b), x509(b)]))
  const all = [bundles.local, ...bundles.federated]
  encoded = {
    localX509: x509(bundles.local),
    federatedX509,
    crls: (bundles.crls ?? []).map((d) => Buffer.from(d)),
    x509Bundles: {crl: (bundles.crls ?? []).map((d) => Buffer.from(d)), bundles: Object.fromEntries(all.map((b) => [key(b), x509(b)]))},
    jwtBundles: {bundles: Object.fromEntries(all.map((b) => [key(b), encodeJwks(b.jwtAuthorities)]))},
  }
  encodedCache.set(bundles, encoded)
  return encoded
}

const svidMessageCache = new WeakMap<X509SvidEntry, {localX509: Buffer; message: X509SvidMessage}>()

function x509SvidMessage(entry: X509SvidEntry, localX509: Buffer): X509SvidMessage {
  const cached = svidMessageCache.get(entry)
  if (cached !== undefined && cached.localX509 === localX509) return cached.message
  const message: X509SvidMessage = {
    spiffe_id: entry.spiffeId.toString(),
    x509_svid: Buffer.concat(entry.chain),
    x509_svid_key: entry.privateKey,
    bundle: localX509,
    hint: entry.hint ?? '',
  }
  svidMessageCache.set(entry, {localX509, message})
  return message
}

/** FetchX509SVID's message: every entitled SVID, default first; none → PermissionDenied (SPIRE's handler.go). */
export async function x509SvidResponse(source: WorkloadIdentitySource, caller: WorkloadCaller): Promise<X509SvidResponse> {
  const entries = await source.x509Svids(caller)
  if (entries.length === 0) throw new AccessDeniedError(NOT_ENTITLED)
  const encoded = encodeBundles(source.bundles())
  return {
    svids: entries.map((e) => x509SvidMessage(e, encoded.localX509)),
    crl: encoded.crls,
    federated_bundles: encoded.federatedX509,
  }
}

/**
 * FetchX509Bundles' message: own trust domain and federated ones, keyed `spiffe://td`. Bundles are
 * public and go to any caller that sends the header, as Teleport's tbot does (SPIRE would deny an
 * unentitled caller unless AllowUnauthenticatedVerifiers is set: spiffe/spire pkg/agent/endpoints/workload/handler.go).
 */
export function x509BundlesResponse(bundles: TrustBundles): X509BundlesResponse {
  return encodeBundles(bundles).x509Bundles
}

/** FetchJWTBundles' message: one JWKS per trust domain, keyed `spiffe://td`. */
export function jwtBundlesResponse(bundles: TrustBundles): JwtBundlesResponse {
  return encodeBundles(bundles).jwtBundles
}

function parseRequestedId(text: string, local: TrustDomain): SpiffeId | undefined {
  if (text === '') return undefined
  let id: SpiffeId
  try {
    id = SpiffeId.parse(text)
  } catch (err) {
    throw new BadParameterError(`invalid requested SPIFFE ID: ${(err as Error).message}`)
  }
  if (!id.trustDomain.equals(local)) throw new BadParameterError('requested SPIFFE ID is not in the local trust domain')
  return id
}

/** The bounds on request fields (limits.ts); everything a caller sends is held, signed and logged. */
export type RequestLimits = Pick<WorkloadApiLimits, 'maxAudiences' | 'maxAudienceBytes' | 'maxSpiffeIdBytes' | 'maxSvidBytes'>

function checkLength(field: string, value: string, maxBytes: number): void {
  // UTF-16 length × 3 bounds the UTF-8 length: most values need no encoding pass.
  if (value.length * 3 <= maxBytes) return
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes > maxBytes) throw new BadParameterError(`${field}: must be at most ${maxBytes} bytes, got ${bytes}`)
}

function checkJwtSvidRequest(request: JwtSvidRequest, limits: RequestLimits): void {
  if (request.audience.length === 0) throw new BadParameterError('audience: must have at least one value')
  if (request.audience.length > limits.maxAudiences) {
    throw new BadParameterError(`audience: must have at most ${limits.maxAudiences} values, got ${request.audience.length}`)
  }
  request.audience.forEach((audience, i) => checkLength(`audience[${i}]`, audience, limits.maxAudienceBytes))
  checkLength('spiffe_id', request.spiffe_id, limits.maxSpiffeIdBytes)
}

/** FetchJWTSVID (unary): audience required; optional filter to one identity of the local trust domain. */
export async function fetchJwtSvid(
  source: WorkloadIdentitySource, caller: WorkloadCaller, request: JwtSvidRequest,
  limits: RequestLimits = DEFAULT_WORKLOAD_API_LIMITS,
): Promise<JwtSvidResponse> {
  checkJwtSvidRequest(request, limits)
  const requested = parseRequestedId(request.spiffe_id, source.bundles().local.trustDomain)
  const entries = await source.jwtSvids(caller, request.audience, requested)
  if (entries.length === 0) throw new AccessDeniedError(NOT_ENTITLED)
  const chosen = requested === undefined ? entries : entries.filter((e) => e.spiffeId.equals(requested))
  if (chosen.length === 0) throw new AccessDeniedError('workload is not authorized for requested SPIFFE ID')
  return {svids: chosen.map((e) => ({spiffe_id: e.spiffeId.toString(), svid: e.token, hint: e.hint ?? ''}))}
}

const jwtBundleSetCache = new WeakMap<TrustBundles, BundleSet>()

/** The JWT bundles exactly as FetchJWTBundles serves them (the JWKS clients see), parsed once per TrustBundles. */
function jwtBundleSet(bundles: TrustBundles): BundleSet {
  let set = jwtBundleSetCache.get(bundles)
  if (set !== undefined) return set
  const jwks = encodeBundles(bundles).jwtBundles.bundles
  set = new BundleSet([bundles.local, ...bundles.federated].map(({trustDomain}) => {
    try {
      return JwtBundle.parse(trustDomain, jwks[trustDomain.idString()] as Uint8Array)
    } catch (err) {
      // The source's own keys, not the caller's token: a server fault, not InvalidArgument.
      throw new CorruptStateError(`JWT bundle of trust domain ${JSON.stringify(trustDomain.name)}: ${(err as Error).message}`, {cause: err})
    }
  }))
  jwtBundleSetCache.set(bundles, set)
  return set
}

/**
 * ValidateJWTSVID (unary): go-spiffe's ParseAndValidate against the JWT bundle of the token's own
 * trust domain. The library reports an untrusted token as Unauthenticated; the Workload API wants
 * InvalidArgument with the validator's text (SPIRE's handler.go ValidateJWTSVID).
 */
export async function validateJwtSvid(
  bundles: TrustBundles, request: ValidateJwtSvidRequest, now: Date, limits: RequestLimits = DEFAULT_WORKLOAD_API_LIMITS,
): Promise<ValidateJwtSvidResponse> {
  if (request.audience === '') throw new BadParameterError('audience: must be set')
  if (request.svid === '') throw new BadParameterError('svid: must be set')
  checkLength('audience', request.audience, limits.maxAudienceBytes)
  checkLength('svid', request.svid, limits.maxSvidBytes)
  let svid: JwtSvid
  try {
    // Loaded on first use (it brings jose): an idle tbot validates no JWT.
    const {JwtSvid: Svid} = await import('../spiffe/jwt-svid.js')
    svid = await Svid.parseAndValidate(request.svid, jwtBundleSet(bundles), [request.audience], {now: () => now})
  } catch (err) {
    if (err instanceof UnauthenticatedError) throw new BadParameterError(err.message, {cause: err})
    throw err
  }
  return {spiffe_id: svid.id.toString(), claims: toProtoStruct(svid.claims)}
}

/** The optional WIT-SVID profile is not served (SPIRE's messages). */
export function witNotImplemented(method: 'FetchWITSVID' | 'FetchWITBundles'): never {
  const what = method === 'FetchWITSVID' ? 'WIT-SVIDs' : 'WIT bundles'
  throw new SvidkitError('NOT_IMPLEMENTED', `fetching ${what} is not implemented`)
}

/** Two FetchX509SVID messages carry the same state (so a notification that changed nothing sends nothing). */
export function sameX509SvidResponse(a: X509SvidResponse, b: X509SvidResponse): boolean {
  return a.svids.length === b.svids.length &&
    a.svids.every((s, i) => sameSvid(s, b.svids[i] as X509SvidMessage)) &&
    sameBytesMap(a.federated_bundles, b.federated_bundles)
}

function sameSvid(a: X509SvidMessage, b: X509SvidMessage): boolean {
  return a === b || (a.spiffe_id === b.spiffe_id && a.hint === b.hint && sameBytes(a.x509_svid, b.x509_svid) &&
    sameBytes(a.x509_svid_key, b.x509_svid_key) && sameBytes(a.bundle, b.bundle))
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.compare(a, b) === 0
}

/** Same keys and same bytes: used for bundle messages too (SPIRE sends nothing when they are equal). */
export function sameBytesMap(a: Record<string, Uint8Array>, b: Record<string, Uint8Array>): boolean {
  if (a === b) return true
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => b[k] !== undefined && sameBytes(a[k] as Uint8Array, b[k] as Uint8Array))
}
