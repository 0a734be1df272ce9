/**
 * The shape of Teleport's `Attrs` proto (`attrs.proto`, `join_attrs.proto`; Teleport's api/proto/teleport/workloadidentity/v1/resource.proto "Attribute
 * namespace"), so rules and templates can tell an unknown attribute from an unset one. Field kinds
 * follow the proto types because Teleport's typing depends on them: int32/int64 are `int`,
 * uint32/uint64 are `uint` (which Teleport's `==` and templates refuse), maps are string→string.
 */

export type FieldKind = 'string' | 'bool' | 'int' | 'uint' | 'map' | 'repeated' | 'traits'

export interface MessageSchema {
  readonly kind: 'message'
  readonly fields: Readonly<Record<string, FieldSchema>>
}

export type FieldSchema = MessageSchema | {readonly kind: FieldKind}

const S = {kind: 'string'} as const
const B = {kind: 'bool'} as const
const I = {kind: 'int'} as const
const U = {kind: 'uint'} as const
const MAP = {kind: 'map'} as const

function message(fields: Record<string, FieldSchema>): MessageSchema {
  return {kind: 'message', fields}
}

function strings(...names: string[]): MessageSchema {
  return message(Object.fromEntries(names.map((n) => [n, S])))
}

const container = (withLabels: boolean): MessageSchema =>
  message({name: S, image: S, image_digest: S, ...(withLabels ? {labels: MAP} : {})})

const USER = message({name: S, is_bot: B, bot_name: S, bot_instance_id: S, labels: MAP, traits: {kind: 'traits'}})

const WORKLOAD = message({
  unix: message({attested: B, pid: I, gid: U, uid: U, binary_path: S, binary_hash: S}),
  kubernetes: message({
    attested: B, namespace: S, pod_name: S, service_account: S, pod_uid: S, labels: MAP, container: container(false),
  }),
  docker: message({attested: B, container: container(true)}),
  podman: message({attested: B, container: container(true), pod: message({name: S, labels: MAP})}),
  systemd: message({attested: B, service: S}),
})

const JOIN = message({
  meta: strings('join_token_name', 'join_method'),
  gitlab: message({
    ...strings('sub', 'ref', 'ref_type', 'namespace_path', 'project_path', 'user_login', 'user_email', 'pipeline_id',
      'pipeline_source', 'environment', 'runner_environment', 'sha', 'ci_config_ref_uri', 'ci_config_sha').fields,
    ref_protected: B, environment_protected: B, runner_id: I,
  }),
  github: strings('sub', 'actor', 'environment', 'ref', 'ref_type', 'repository', 'repository_owner', 'workflow',
    'event_name', 'sha', 'run_id'),
  iam: strings('account', 'arn'),
  tpm: message({ek_pub_hash: S, ek_cert_serial: S, ek_cert_verified: B}),
  azure: strings('subscription', 'resource_group'),
  circleci: message({sub: S, context_ids: {kind: 'repeated'}, project_id: S}),
  bitbucket: strings('sub', 'step_uuid', 'repository_uuid', 'pipeline_uuid', 'workspace_uuid',
    'deployment_environment_uuid', 'branch_name'),
  terraform_cloud: strings('sub', 'organization_name', 'project_name', 'workspace_name', 'full_workspace', 'run_id',
    'run_phase'),
  spacelift: strings('sub', 'space_id', 'caller_type', 'caller_id', 'run_type', 'run_id', 'scope'),
  gcp: message({service_account: S, gce: strings('name', 'zone', 'id', 'project')}),
  kubernetes: message({subject: S, service_account: strings('name', 'namespace'), pod: strings('name')}),
  oracle: strings('tenancy_id', 'compartment_id', 'instance_id'),
  azure_devops: message({
    pipeline: strings('sub', 'organization_name', 'project_name', 'pipeline_name', 'organization_id', 'project_id',
      'definition_id', 'repository_id', 'repository_version', 'repository_ref', 'run_id'),
  }),
})

export const ATTRS_SCHEMA: MessageSchema = message({workload: WORKLOAD, user: USER, join: JOIN})
