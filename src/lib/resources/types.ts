/**
 * The four resource kinds, as stored and as printed by `tctl get` (snake_case field names, protojson
 * durations such as "3600s"; Teleport's tool/tctl/common/resource_command.go). Values of these types have passed their kind's parser,
 * so the inside of the program trusts them.
 */
import type {SpiffeFederation} from './spiffe-federation.js'
import type {GitHubTokenSpec, GitLabTokenSpec, KubernetesTokenSpec} from './token-methods.js'
import type {BoundKeypairTokenSpec, BoundKeypairTokenStatus} from './token-bound-keypair.js'

export type JsonValue = string | number | boolean | null | JsonValue[] | {[key: string]: JsonValue}
export type JsonObject = {[key: string]: JsonValue}

export interface Metadata {
  readonly name: string
  readonly description?: string
  readonly labels?: Readonly<Record<string, string>>
  /** RFC 3339. */
  readonly expires?: string
  /** Set by storage on every write; compare-and-swap updates check it. */
  readonly revision?: string
}

// ---- workload_identity v1 (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto) ----

export interface ConditionEq { readonly value: string }
export interface ConditionIn { readonly values: readonly string[] }

/** Exactly one operator is set. Numbers and booleans in input are stored as their string form. */
export interface RuleCondition {
  readonly attribute: string
  readonly eq?: ConditionEq
  readonly not_eq?: ConditionEq
  readonly in?: ConditionIn
  readonly not_in?: ConditionIn
}

/** Either `conditions` (AND) or `expression`, never both. */
export interface WorkloadIdentityRule {
  readonly conditions?: readonly RuleCondition[]
  readonly expression?: string
}

export interface SubjectTemplate {
  readonly common_name?: string
  readonly organization?: string
  readonly organizational_unit?: string
}

export interface WorkloadIdentitySpec {
  readonly spiffe: {
    /** A path template starting with `/`; rendered, then appended to `spiffe://<cluster>`. */
    readonly id: string
    readonly hint?: string
    readonly x509?: {
      readonly dns_sans?: readonly string[]
      readonly subject_template?: SubjectTemplate
      /** protojson duration, "<seconds>s". */
      readonly maximum_ttl?: string
    }
    readonly jwt?: {
      readonly extra_claims?: JsonObject
      readonly maximum_ttl?: string
    }
  }
  readonly rules?: {
    readonly allow?: readonly WorkloadIdentityRule[]
  }
}

export interface WorkloadIdentity {
  readonly kind: 'workload_identity'
  readonly version: 'v1'
  readonly metadata: Metadata
  readonly spec: WorkloadIdentitySpec
}

// ---- role v3..v8 (Teleport's lib/services/role.go and lib/auth/machineid/workloadidentityv1). Fields we do not use are kept as they came. ----

export interface RoleRule {
  readonly resources: readonly string[]
  readonly verbs: readonly string[]
  readonly where?: string
}

export interface RoleConditions {
  /** Values normalised to lists (`key: value` and `key: [values]` are both accepted in input). */
  readonly workload_identity_labels?: Readonly<Record<string, readonly string[]>>
  readonly workload_identity_labels_expression?: string
  readonly rules?: readonly RoleRule[]
  readonly logins?: readonly string[]
  readonly [field: string]: unknown
}

export interface Role {
  readonly kind: 'role'
  readonly version: 'v3' | 'v4' | 'v5' | 'v6' | 'v7' | 'v8'
  readonly metadata: Metadata
  readonly spec: {
    readonly allow?: RoleConditions
    readonly deny?: RoleConditions
    readonly options?: Readonly<Record<string, unknown>>
    readonly [field: string]: unknown
  }
}

// ---- bot v1 (Teleport's tool/tctl/common/bots_command.go and api/types/provisioning.go) ----

export interface Trait {
  readonly name: string
  readonly values: readonly string[]
}

export interface Bot {
  readonly kind: 'bot'
  readonly version: 'v1'
  readonly metadata: Metadata
  readonly spec: {
    readonly roles: readonly string[]
    readonly traits?: readonly Trait[]
    /** protojson duration; default 12h, max 168h. */
    readonly max_session_ttl?: string
  }
  /** Server-set: `bot-<name>` with spaces replaced by `-`. */
  readonly status?: {
    readonly user_name: string
    readonly role_name: string
  }
}

// ---- token v2 (Teleport's tool/tctl/common/bots_command.go and api/types/provisioning.go) ----

export type JoinMethod = 'token' | 'kubernetes' | 'github' | 'gitlab' | 'bound_keypair'

export interface ProvisionToken {
  readonly kind: 'token'
  readonly version: 'v2'
  /** metadata.name is the secret token value; metadata.expires is when it stops working. */
  readonly metadata: Metadata
  readonly spec: {
    readonly roles: readonly string[]
    readonly join_method: JoinMethod
    readonly bot_name?: string
    /** The method's own section (resources/token-methods.ts), for the delegated join methods. */
    readonly kubernetes?: KubernetesTokenSpec
    readonly github?: GitHubTokenSpec
    readonly gitlab?: GitLabTokenSpec
    readonly bound_keypair?: BoundKeypairTokenSpec
  }
  /** Server-kept state (only `bound_keypair` has any). */
  readonly status?: {readonly bound_keypair?: BoundKeypairTokenStatus}
}

// ---- spiffe_federation v1 and workload_identity_x509_revocation v1: their own files ----
import type {WorkloadIdentityX509Revocation} from './x509-revocation.js'
export type {WorkloadIdentityX509Revocation}

export type Resource = WorkloadIdentity | Role | Bot | ProvisionToken | SpiffeFederation | WorkloadIdentityX509Revocation
export type ResourceKind = Resource['kind']
export type ResourceOf<K extends ResourceKind> = Extract<Resource, {kind: K}>
export const RESOURCE_KINDS: readonly ResourceKind[] = ['workload_identity', 'role', 'bot', 'token', 'spiffe_federation', 'workload_identity_x509_revocation']
