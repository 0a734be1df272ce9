/** Small builders for workload identities, roles and attributes used across the authz tests. */
import type {Attributes} from '../../../src/lib/authz/attributes.js'
import type {Role, RoleConditions, WorkloadIdentity, WorkloadIdentitySpec} from '../../../src/lib/resources/types.js'

export function wi(
  name: string,
  spec: {readonly spiffe?: Partial<WorkloadIdentitySpec['spiffe']>; readonly rules?: WorkloadIdentitySpec['rules']} = {},
  labels: Record<string, string> = {},
): WorkloadIdentity {
  return {
    kind: 'workload_identity',
    version: 'v1',
    metadata: {name, labels, revision: `rev-${name}`},
    spec: {...spec, spiffe: {id: `/svc/${name}`, ...spec.spiffe}},
  }
}

export function role(name: string, allow: RoleConditions = {}, deny: RoleConditions = {}): Role {
  return {kind: 'role', version: 'v7', metadata: {name}, spec: {allow, deny}}
}

/** The role Teleport's docs give for workload identity issuance. */
export function issuerRole(labels: Record<string, readonly string[]> = {'*': ['*']}): Role {
  return role('issuer', {workload_identity_labels: labels, rules: [{resources: ['workload_identity'], verbs: ['read', 'list']}]})
}

export const botAttrs: Attributes = {
  user: {
    name: 'bot-robot',
    is_bot: true,
    bot_name: 'robot',
    bot_instance_id: '1234-abcd',
    labels: {team: 'infra'},
    traits: {logins: ['root'], groups: ['a', 'b']},
  },
  workload: {
    unix: {attested: true, pid: 4242, uid: 1000, gid: 100, binary_path: '/usr/bin/app', binary_hash: 'abc123'},
    kubernetes: {
      attested: true,
      namespace: 'default',
      pod_name: 'web-0',
      service_account: 'web',
      pod_uid: 'uid-1',
      labels: {'app.kubernetes.io/name': 'web'},
      container: {name: 'main', image: 'nginx:1', image_digest: 'sha256:aa'},
    },
    docker: {attested: true, container: {name: 'c1', image: 'ubuntu', image_digest: 'sha256:bb', labels: {tier: 'back'}}},
    podman: {attested: true, container: {name: 'p1', image: 'alpine', labels: {}}, pod: {name: 'pod1', labels: {zone: 'eu'}}},
    systemd: {attested: true, service: 'app.service'},
  },
  join: {
    meta: {join_method: 'github', join_token_name: 'gh-token'},
    github: {sub: 'repo:org/app', repository: 'org/app', ref: 'refs/heads/main', run_id: '77'},
    gitlab: {ref_protected: true, runner_id: '42', project_path: 'g/p'},
    gcp: {service_account: 'sa@x', gce: {name: 'vm1', zone: 'eu-1', id: '9', project: 'proj'}},
    kubernetes: {subject: 'system:serviceaccount:ns:sa', service_account: {name: 'sa', namespace: 'ns'}, pod: {name: 'p'}},
    azure_devops: {pipeline: {sub: 'p:1', organization_name: 'org'}},
    circleci: {sub: 'org/1', context_ids: ['c1', 'c2'], project_id: 'p1'},
  },
}
