/**
 * What the Workload API server serves from: the seam between the socket and issuance. tbot's
 * implementation decides entitlement (rules over the caller's attributes), caches issued SVIDs per
 * identity so a busy socket does not re-sign, and calls its listeners on every rotation or bundle
 * change; the server asks it again per request and pushes the new state to every open stream.
 */
import type {Attributes} from '../authz/attributes.js'
import type {SpiffeId, TrustDomain} from '../spiffe/id.js'

/**
 * Who is calling, as far as the server could tell: `workload` is absent when attestation was not
 * possible (a TCP listener, a caller in another PID namespace, a process that exited) — Teleport's
 * soft failure: identities without workload rules may still be issued.
 */
export type WorkloadCaller = Pick<Attributes, 'workload'>

export interface X509SvidEntry {
  readonly spiffeId: SpiffeId
  /** DER certificates, leaf first, then any intermediates. */
  readonly chain: readonly Uint8Array[]
  /** PKCS#8 DER, unencrypted. */
  readonly privateKey: Uint8Array
  /** Optional; unique within the caller's set when not empty (Workload API §5.2.1). */
  readonly hint?: string
}

export interface JwtSvidEntry {
  readonly spiffeId: SpiffeId
  /** Compact JWS. */
  readonly token: string
  readonly hint?: string
}

/** One JWT signing key as a public JWK; `kid` is required (go-spiffe's jwtbundle needs it). */
export type JwtAuthority = Readonly<Record<string, unknown>> & {readonly kid: string; readonly kty: string}

export interface TrustDomainBundle {
  readonly trustDomain: TrustDomain
  /** The trust domain's X.509 CA certificates, DER. */
  readonly x509Authorities: readonly Uint8Array[]
  readonly jwtAuthorities: readonly JwtAuthority[]
}

/**
 * The server's own trust domain and any federated ones. Return the same object until something
 * changes: the server encodes each object once and shares the encoding between streams.
 */
export interface TrustBundles {
  readonly local: TrustDomainBundle
  readonly federated: readonly TrustDomainBundle[]
  /** The local trust domain's CRLs (DER), sent in the `crl` fields (absent: none). */
  readonly crls?: readonly Uint8Array[]
}

export interface WorkloadIdentitySource {
  /** The caller's X509-SVIDs, default identity first; `[]` = not entitled to any. */
  x509Svids(caller: WorkloadCaller): Promise<readonly X509SvidEntry[]>
  /**
   * JWT-SVIDs for the caller with these audiences (at least one); when `spiffeId` is given the
   * source may mint only that one (the server filters anyway). `[]` = not entitled to any.
   */
  jwtSvids(caller: WorkloadCaller, audiences: readonly string[], spiffeId?: SpiffeId): Promise<readonly JwtSvidEntry[]>
  bundles(): TrustBundles
  /** Called on every rotation or bundle change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
}
