/**
 * `tctl workload-identity revocations` (Teleport's tool/tctl/common/workload_identity_command.go):
 * revocations are `workload_identity_x509_revocation` resources, created and removed through the
 * admin API like any other; the CRL comes with the trust bundle (authority/crl-source.ts).
 */
import {BadParameterError} from '../lib/errors.js'
import {formatGoDuration} from '../lib/duration.js'
import {normalizeSerial, REVOCATION_DEFAULT_TTL_MS, type WorkloadIdentityX509Revocation} from '../lib/resources/x509-revocation.js'
import {renderTable} from './output.js'

export function checkRevocationType(type: string): void {
  if (type !== 'x509') throw new BadParameterError('only x509 revocations are supported')
}

/** The serial as the revocation's name; Teleport wraps the failure as "normalizing serial". */
export function revocationName(serial: string): string {
  try {
    return normalizeSerial(serial)
  } catch (err) {
    throw new BadParameterError(`normalizing serial\n\t${(err as Error).message}`, {cause: err})
  }
}

function parseExpiresAt(text: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)
  const d = new Date(text)
  if (!ok || Number.isNaN(d.getTime())) throw new BadParameterError(`parsing expires-at time\n\tnot an RFC 3339 time: ${JSON.stringify(text)}`)
  return d
}

export function newRevocation(o: {serial: string; reason: string; expiresAt?: string; now: Date}): WorkloadIdentityX509Revocation {
  const name = revocationName(o.serial)
  const expires = o.expiresAt !== undefined && o.expiresAt !== '' ? parseExpiresAt(o.expiresAt) : new Date(o.now.getTime() + REVOCATION_DEFAULT_TTL_MS)
  return {
    kind: 'workload_identity_x509_revocation', version: 'v1',
    metadata: {name, expires: expires.toISOString()},
    spec: {reason: o.reason, revoked_at: o.now.toISOString()},
  }
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

export function revocationsText(revocations: readonly WorkloadIdentityX509Revocation[], now: Date): string {
  if (revocations.length === 0) return 'No revocations configured\n'
  const rows = revocations.map((r) => {
    const expires = r.metadata.expires === undefined ? undefined : new Date(r.metadata.expires)
    const left = expires === undefined ? '' : ` (${formatGoDuration(Math.trunc((expires.getTime() - now.getTime()) / 1000) * 1000)})`
    return ['x509', r.metadata.name, rfc3339(new Date(r.spec.revoked_at)), expires === undefined ? '' : rfc3339(expires) + left, r.spec.reason]
  })
  return renderTable(['Type', 'Serial', 'Revoked At', 'Expires At', 'Reason'], rows) + '\n'
}
