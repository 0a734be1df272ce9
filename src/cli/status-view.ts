import type {ClusterStatus} from '../lib/backend/admin-api.js'

/** `tctl status` in Teleport's layout: aligned `Label: value` lines. */
export function statusText(s: ClusterStatus): string {
  const rows: [string, string][] = [
    ['Cluster', s.clusterName],
    ['Version', s.version],
    ...s.caPins.map((pin) => ['CA pin', pin] as [string, string]),
    ['Workload identities', String(s.counts.workload_identity)],
    ['Roles', String(s.counts.role)],
    ['Bots', String(s.counts.bot)],
    ['Join tokens', String(s.counts.token)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length)) + 1
  return rows.map(([k, v]) => `${(k + ':').padEnd(width)} ${v}`).join('\n') + '\n'
}
