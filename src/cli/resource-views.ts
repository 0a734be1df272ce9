/** How each kind reads in `tctl get --format text`, and the success lines tctl prints for it. */
import type {CreateOutcome} from '../lib/backend/admin-api.js'
import type {Bot, ProvisionToken, Resource, ResourceKind, Role} from '../lib/resources/types.js'
import {formatGoDuration} from '../lib/duration.js'
import {renderTable} from './output.js'
import type {SpiffeFederation} from '../lib/resources/spiffe-federation.js'

export function createdMessage(o: CreateOutcome): string {
  switch (o.kind) {
    case 'workload_identity': return `Workload Identity "${o.name}" has been created`
    case 'role': return `role "${o.name}" has been ${o.action}`
    case 'bot': return `Bot "${o.name}" has been created`
    case 'token': return `provision_token "${o.name}" has been created`
    case 'spiffe_federation': return `SPIFFE Federation "${o.name}" has been created`
  }
}

export function deletedMessage(kind: ResourceKind, name: string): string {
  switch (kind) {
    case 'workload_identity': return `Workload Identity "${name}" has been deleted`
    case 'role': return `role "${name}" has been deleted`
    case 'bot': return `Bot "${name}" has been deleted`
    case 'token': return `token "${name}" has been deleted`
    case 'spiffe_federation': return `SPIFFE federation "${name}" has been deleted`
  }
}

function roleLabels(role: Role): string {
  const labels = role.spec.allow?.workload_identity_labels ?? {}
  return Object.entries(labels).map(([k, v]) => `${k}=${v.join(',')}`).join(' ') || '-'
}

function roleRules(role: Role): string {
  return (role.spec.allow?.rules ?? []).map((r) => `${r.resources.join(',')}:${r.verbs.join(',')}`).join(' ') || '-'
}

export function tokenRows(tokens: readonly ProvisionToken[], now = new Date()): string[][] {
  return tokens.map((t) => [t.metadata.name, t.spec.roles.join(','), labelsText(t.metadata.labels), expiryText(t.metadata.expires, now)])
}

const TOKEN_HEADERS = ['Token', 'Type', 'Labels', 'Expiry Time (UTC)']

function labelsText(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
}

/**
 * `20 Nov 26 17:04 UTC (29m59s)`, as Teleport's `tctl tokens ls` prints it (RFC 822 in UTC, then the
 * time left rounded to the second; tool/tctl/common/token_command.go). Teleport's backend drops a
 * token when it expires; ours keeps it until it is used or removed, so an expired one says so.
 */
function expiryText(expires: string | undefined, now: Date): string {
  if (!expires) return 'never'
  const d = new Date(expires)
  const month = d.toLocaleString('en-US', {month: 'short', timeZone: 'UTC'})
  const pad = (n: number) => String(n).padStart(2, '0')
  const at = `${pad(d.getUTCDate())} ${month} ${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`
  const leftMs = d.getTime() - now.getTime()
  return leftMs <= 0 ? `${at} (expired)` : `${at} (${formatGoDuration(Math.round(leftMs / 1000) * 1000)})`
}

/** Per-kind text tables, sorted by name (tctl get --format text; tool/tctl/common/collection.go). */
export function resourcesTable(kind: ResourceKind, resources: readonly Resource[]): string {
  const sorted = [...resources].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
  switch (kind) {
    case 'workload_identity':
      return renderTable(['Name', 'SPIFFE ID'], sorted.map((r) => [r.metadata.name, r.kind === 'workload_identity' ? r.spec.spiffe.id : '']))
    case 'bot':
      return renderTable(['Name', 'Roles'], (sorted as Bot[]).map((b) => [b.metadata.name, b.spec.roles.join(', ')]))
    case 'role':
      return renderTable(['Role', 'Workload Identity Labels', 'Rules'], (sorted as Role[]).map((r) => [r.metadata.name, roleLabels(r), roleRules(r)]))
    case 'token':
      return renderTable(TOKEN_HEADERS, tokenRows(sorted as ProvisionToken[]))
    case 'spiffe_federation':
      return renderTable(['Trust Domain', 'Bundle Source', 'Synced At', 'Last Error'], (sorted as SpiffeFederation[]).map(federationRow))
  }
}

export function botsText(bots: readonly Bot[]): string {
  if (bots.length === 0) return 'No bots found\n'
  return renderTable(['Bot', 'User', 'Roles'], bots.map((b) => [b.metadata.name, b.status?.user_name ?? '', b.spec.roles.join(',')]))
}

export function tokensText(tokens: readonly ProvisionToken[]): string {
  return tokens.length === 0 ? 'No active tokens found.\n' : renderTable(TOKEN_HEADERS, tokenRows(tokens))
}

export function createdText(outcomes: readonly CreateOutcome[]): string {
  return outcomes.map((o) => createdMessage(o) + '\n').join('')
}

function federationRow(f: SpiffeFederation): string[] {
  const source = f.spec.bundle_source.https_web?.bundle_endpoint_url ?? 'static'
  return [f.metadata.name, source, f.status?.current_bundle_synced_at ?? '-', f.status?.last_sync_error ?? '-']
}
