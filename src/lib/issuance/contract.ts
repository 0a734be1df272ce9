/**
 * The issuance contract: what a bot asks a cluster for and what it gets back, shared by the core
 * (authority/), the wire codec (wire/), both backends and tbot. One BotSession per running bot; both
 * backends implement it (local: a state directory; remote: HTTPS to the server), and tbot's agent,
 * output services and renewal loop use nothing else. Joining and keeping the bot's own identity in
 * its storage happen inside `ConnectBot`. Types only: no I/O here.
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import type {Logger} from '../log.js'
import type {WorkloadIdentitySelector} from './selector.js'
import type {Challenge, PreparedAnswer} from '../join/bound-keypair.js'

export type {WorkloadIdentitySelector} from './selector.js'

/** What every issued credential says about itself. */
export interface CredentialMeta {
  /** `spiffe://<trust domain>/<path>`. */
  readonly spiffeId: string
  /** The WorkloadIdentity's `spec.spiffe.hint` ('' when unset). */
  readonly hint: string
  /** The WorkloadIdentity resource it was issued from (named in "multiple X509 SVIDs" errors). */
  readonly workloadIdentityName: string
  readonly expiresAt: Date
  /** The TTL actually granted (the issuer may cap the request), in ms. */
  readonly ttlMs: number
}

export interface X509SvidCredential extends CredentialMeta {
  /** The leaf certificate, DER. Its public key is the one in the request. */
  readonly certificateDer: Uint8Array
  /** Intermediates from an issuer override, leaf-side first, DER; usually empty. */
  readonly chainDer: readonly Uint8Array[]
  /** Colon-separated lowercase hex, for logs. */
  readonly serialNumber: string
}

export interface JwtSvidCredential extends CredentialMeta {
  /** The compact JWS. A secret: never log it. */
  readonly jwt: string
  readonly audiences: readonly string[]
}

export interface IssueX509Request {
  readonly selector: WorkloadIdentitySelector
  /** SubjectPublicKeyInfo DER of a key tbot generated and keeps; the private key is never sent. */
  readonly publicKeyDer: Uint8Array
  readonly ttlMs: number
  /** Attested attributes of the calling workload (Workload API only). */
  readonly workloadAttrs?: WorkloadAttrs
  readonly signal?: AbortSignal
}

export interface IssueJwtRequest {
  readonly selector: WorkloadIdentitySelector
  /** At least one. */
  readonly audiences: readonly string[]
  readonly ttlMs: number
  readonly workloadAttrs?: WorkloadAttrs
  readonly signal?: AbortSignal
}

/** A JWT signing key as a public JWK (`kid` required: go-spiffe's jwtbundle needs it). */
export type JwtPublicKey = Readonly<Record<string, unknown>> & {readonly kid: string; readonly kty: string}

/** One trust domain's authorities. */
export interface TrustDomainAuthorities {
  readonly trustDomain: string
  /** Its X.509 CA certificates (every trusted SPIFFE CA cert, rotation included), PEM. */
  readonly x509Pem: string
  /** Its JWT-SVID signing keys (public JWKs). */
  readonly jwtKeys: readonly JwtPublicKey[]
}

export interface TrustBundle extends TrustDomainAuthorities {
  /** Federated trust domains; empty when there are none. */
  readonly federated: readonly TrustDomainAuthorities[]
  /**
   * Changes whenever anything above changes (e.g. SHA-256 over it): the agent polls it and re-renders
   * X.509 outputs and pushes new bundles to Workload API clients when it differs (CA rotation).
   */
  readonly fingerprint: string
  /**
   * The cluster's X.509 CRLs (DER), one per trusted SPIFFE CA, when the source has them
   * (authority/crl.ts): what the Workload API sends in its `crl` field and outputs write as svid_crl.pem.
   */
  readonly crls?: readonly Uint8Array[]
}

/**
 * A joined bot. Methods reject with the repository's typed errors (AccessDeniedError when RBAC says
 * no, ConnectionProblemError when the cluster cannot be reached, …); the loop retries with backoff.
 */
export interface BotSession {
  /** Every SVID the selector matches and the bot may have (0, 1 or several). */
  issueX509Svids(request: IssueX509Request): Promise<readonly X509SvidCredential[]>
  issueJwtSvids(request: IssueJwtRequest): Promise<readonly JwtSvidCredential[]>
  /** The cluster's SPIFFE trust bundle (X.509 CAs and JWT keys) and federated ones. */
  trustBundle(signal?: AbortSignal): Promise<TrustBundle>
  /** Renew the bot's own identity (and store it); `identityExpiresAt()` moves forward. */
  renew(signal?: AbortSignal): Promise<void>
  identityExpiresAt(): Date
  close(): Promise<void>
}

export interface ConnectDeps {
  readonly log: Logger
  readonly signal: AbortSignal
}

/** Where a bot keeps its own identity (tbot's `storage`: a directory or memory), ready to use. */
export interface BotStorage {
  /** `file:///var/lib/bot` or `memory://`, for logs. */
  readonly description: string
  read(name: string): Promise<Uint8Array | undefined>
  /** Each file replaced atomically. */
  write(files: readonly {readonly name: string; readonly data: string | Uint8Array}[]): Promise<void>
}

/** What connecting needs, whatever the backend. */
export interface BotConnection {
  readonly storage: BotStorage
  /**
   * The join token (the secret for `token`, the token resource's name for the delegated methods);
   * called only when the bot must join. Throws a config error when there is none.
   */
  readonly joinToken: () => string
  /** How the bot joins; absent means `token`. The delegated methods join again at each renewal (as Teleport's tbot does). */
  readonly joinMethod?: 'token' | 'kubernetes' | 'github' | 'gitlab' | 'bound_keypair'
  /** The platform credential for a delegated method, read afresh at each join (tbot/join-credentials.ts). */
  readonly joinIdToken?: (signal?: AbortSignal) => Promise<string>
  /** bound_keypair: sign the Authority's challenge with the bot's key (tbot/bound-keypair.ts). */
  readonly answerChallenge?: (challenge: Challenge) => Promise<PreparedAnswer>
  /** TTL requested for the bot's own identity, ms. */
  readonly credentialTtlMs: number
}

/**
 * Join (with `connection.joinToken()`) or load the stored bot identity and renew it, and return a
 * session. Rejects with an error saying why; the agent exits 1 with it.
 */
export type ConnectBot = (connection: BotConnection, deps: ConnectDeps) => Promise<BotSession>
