import type {ClusterStatus} from '../lib/backend/admin-api.js'
import type {CaRotationStatus} from '../lib/backend/ca-admin-api.js'
import {rotationText} from './rotation-view.js'

/** `tctl status` in Teleport's layout: aligned `Label: value` lines, each CA's rotation as Teleport's Rotation.String(). */
export function statusText(s: ClusterStatus, authorities: readonly CaRotationStatus[] = []): string {
  const rows: [string, string][] = [
    ['Cluster', s.clusterName],
    ['Version', s.version],
    ...authorities.map((a) => [`${a.type} CA`, rotationText(a.rotation)] as [string, string]),
    ...s.caPins.map((pin) => ['CA pin', pin] as [string, string]),
    ['Workload identities', String(s.counts.workload_identity)],
    ['Roles', String(s.counts.role)],
    ['Bots', String(s.counts.bot)],
    ['Join tokens', String(s.counts.token)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length)) + 1
  return rows.map(([k, v]) => `${(k + ':').padEnd(width)} ${v}`).join('\n') + '\n'
}
