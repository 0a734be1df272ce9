/**
 * tbot's configuration as typed readonly values (Teleport's lib/tbot/config). Values of these types
 * come only out of `parseTbotConfig` (the YAML file) or `buildTbotConfig` (the one-line CLI forms),
 * which have validated every field; the agent trusts them. Durations are milliseconds.
 */
import type {WorkloadIdentitySelector} from '../../issuance/selector.js'

export type {WorkloadIdentitySelector} from '../../issuance/selector.js'

export const DEFAULT_CREDENTIAL_TTL_MS = 60 * 60_000
export const DEFAULT_RENEWAL_INTERVAL_MS = 20 * 60_000
/** Teleport's MaxRenewableCertTTL: the longest a bot (or JWT-SVID) credential may be asked for. */
export const MAX_CREDENTIAL_TTL_MS = 24 * 60 * 60_000
/** X.509-SVID outputs skip the 24h check in Teleport; the issuer's hard cap is 14 days (§7). */
export const MAX_X509_SVID_TTL_MS = 14 * 24 * 60 * 60_000
export const DEFAULT_STORAGE_PATH = '/var/lib/teleport/bot'
/** `attestors.unix.binary_hash_max_size_bytes` default (1 GiB); -1 means unlimited. */
export const DEFAULT_BINARY_HASH_MAX_SIZE_BYTES = 1 << 30

export const X509_OUTPUT_TYPE = 'workload-identity-x509'
export const JWT_OUTPUT_TYPE = 'workload-identity-jwt'
export const WORKLOAD_API_TYPE = 'workload-identity-api'
export const SUPPORTED_SERVICE_TYPES = [X509_OUTPUT_TYPE, JWT_OUTPUT_TYPE, WORKLOAD_API_TYPE] as const


/**
 * Teleport's `symlinks` setting of a directory destination (lib/tbot/botfs): `secure` refuses to
 * follow symlinks, `try-secure` does the same where the platform can (here: always), `insecure`
 * follows them.
 */
export type SymlinkPolicy = 'secure' | 'try-secure' | 'insecure'

export type DestinationConfig =
  | {readonly type: 'directory'; readonly path: string; readonly symlinks: SymlinkPolicy}
  | {readonly type: 'memory'}

export interface CredentialLifetime {
  readonly credentialTtlMs: number
  readonly renewalIntervalMs: number
}

interface ServiceBase extends CredentialLifetime {
  /** The user's `name`, or one made from the type (`workload-identity-x509-1`), as Teleport does. */
  readonly name: string
  /** Where it came from in the config, for messages: `services[0]`, `outputs[2]`, `--destination`. */
  readonly origin: string
}

export interface X509OutputConfig extends ServiceBase {
  readonly type: typeof X509_OUTPUT_TYPE
  readonly selector: WorkloadIdentitySelector
  readonly destination: DestinationConfig
  readonly includeFederatedTrustBundles: boolean
}

export interface JwtOutputConfig extends ServiceBase {
  readonly type: typeof JWT_OUTPUT_TYPE
  readonly selector: WorkloadIdentitySelector
  readonly destination: DestinationConfig
  /** At least one. */
  readonly audiences: readonly string[]
}

export type ListenAddress =
  | {readonly network: 'unix'; readonly path: string}
  | {readonly network: 'tcp'; readonly host: string; readonly port: number}

export interface AttestorsConfig {
  readonly unix: {readonly binaryHashMaxSizeBytes: number}
  // kubernetes, docker, podman, systemd and sigstore are accepted only when disabled (not supported).
}

export interface WorkloadApiConfig extends ServiceBase {
  readonly type: typeof WORKLOAD_API_TYPE
  /** As written: `unix:///opt/machine-id/workload.sock` or `tcp://127.0.0.1:8000`. */
  readonly listen: string
  readonly listenAddress: ListenAddress
  readonly selector: WorkloadIdentitySelector
  readonly attestors: AttestorsConfig
  /**
   * Mode of the Unix socket (our addition; Teleport always uses 0777 and relies on attestation).
   * Set on every start, so a restart cannot widen it back. Absent: 0777.
   */
  readonly socketMode?: number
}

export type OutputServiceConfig = X509OutputConfig | JwtOutputConfig
export type ServiceConfig = OutputServiceConfig | WorkloadApiConfig

export type StorageConfig = DestinationConfig

export interface OnboardingConfig {
  readonly joinMethod: 'token' | 'kubernetes' | 'github' | 'gitlab' | 'bound_keypair'
  /** `bound_keypair.registration_secret`: lets a bot without a keypair register one at its first join. */
  readonly registrationSecret?: string
  /** The join token's value (for the delegated methods, the token resource's name); when `token:` named an absolute path, that file's contents, trimmed. */
  readonly token?: string
  /** Set when the token came from a file. */
  readonly tokenFile?: string
  /**
   * Why the token file could not be read at load time (e.g. removed after the first join, which
   * Teleport allows). Joining needs the token; renewing a stored identity does not.
   */
  readonly tokenFileProblem?: string
  readonly caPins: readonly string[]
  readonly caPath?: string
}

export interface TbotConfig {
  readonly version: 'v2'
  /** The config file's name as given, or `command line`; errors about the config name it. */
  readonly source: string
  readonly proxyServer?: string
  readonly authServer?: string
  readonly onboarding: OnboardingConfig
  /** Trust the cluster on first connect without verifying its CA (`--insecure`; never in production). */
  readonly insecure: boolean
  readonly storage: StorageConfig
  readonly credentialTtlMs: number
  readonly renewalIntervalMs: number
  readonly oneshot: boolean
  readonly debug: boolean
  readonly diagAddr?: string
  /** `services` then `outputs`, merged (both accept the same types). */
  readonly services: readonly ServiceConfig[]
  /** Problems Teleport only warns about (e.g. two outputs sharing a directory); the agent logs them. */
  readonly warnings: readonly string[]
}

export function isOutputService(service: ServiceConfig): service is OutputServiceConfig {
  return service.type === X509_OUTPUT_TYPE || service.type === JWT_OUTPUT_TYPE
}

/** `name:foo` or `labels:{env:[prod]}`, for logs. */
export function describeSelector(selector: WorkloadIdentitySelector): string {
  if (selector.name !== undefined) return `name:${selector.name}`
  const parts = Object.entries(selector.labels).map(([k, v]) => `${k}:[${v.join(',')}]`)
  return `labels:{${parts.join(' ')}}`
}
