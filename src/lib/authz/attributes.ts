/**
 * The attributes an issuance is decided and templated against (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto "Attribute namespace"):
 * `user.*` from the caller's identity, `workload.*` from attestation, `join.*` from how the bot joined.
 * Field names are the proto's snake_case names, because rules and templates address them by path.
 */

export interface UserAttrs {
  readonly name: string
  readonly is_bot: boolean
  readonly bot_name: string
  readonly bot_instance_id: string
  readonly labels: Readonly<Record<string, string>>
  readonly traits: Readonly<Record<string, readonly string[]>>
}

export interface UnixAttrs {
  readonly attested: boolean
  readonly pid?: number
  readonly uid?: number
  readonly gid?: number
  readonly binary_path?: string
  readonly binary_hash?: string
}

export interface ContainerAttrs {
  readonly name?: string
  readonly image?: string
  readonly image_digest?: string
  readonly labels?: Readonly<Record<string, string>>
}

export interface WorkloadAttrs {
  readonly unix?: UnixAttrs
  readonly kubernetes?: {
    readonly attested: boolean
    readonly namespace?: string
    readonly pod_name?: string
    readonly service_account?: string
    readonly pod_uid?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly container?: ContainerAttrs
  }
  readonly docker?: {readonly attested: boolean; readonly container?: ContainerAttrs}
  readonly podman?: {
    readonly attested: boolean
    readonly container?: ContainerAttrs
    readonly pod?: {readonly name?: string; readonly labels?: Readonly<Record<string, string>>}
  }
  readonly systemd?: {readonly attested: boolean; readonly service?: string}
}

export interface JoinAttrs {
  readonly meta?: {readonly join_token_name?: string; readonly join_method?: string}
  /** Other join methods' attributes (github, gitlab, …) as they came from the join. */
  readonly [method: string]: Readonly<Record<string, unknown>> | undefined
}

export interface Attributes {
  readonly user?: UserAttrs
  readonly workload?: WorkloadAttrs
  readonly join?: JoinAttrs
}
