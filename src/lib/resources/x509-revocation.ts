/**
 * `workload_identity_x509_revocation` v1 (Teleport's api/proto/teleport/workloadidentity/v1/revocation_resource.proto):
 * the revocation of one X.509-SVID. Its name is the certificate's serial number in lowercase hex
 * with no colons and no leading zeros (tool/tctl/common/workload_identity_command.go:
 * normalizeCertificateSerial); spec.reason says why, spec.revoked_at when; metadata.expires is when
 * the revocation may be forgotten (the certificate has expired by then).
 */
import type {InputLocation} from '../errors.js'
import {BadParameterError} from '../errors.js'
import {fail, rootPlace} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import type {Metadata} from './types.js'
import {defined} from './values.js'
import {parseMetadata} from './metadata.js'

export const X509_REVOCATION_KIND = 'workload_identity_x509_revocation'

export interface WorkloadIdentityX509Revocation {
  readonly kind: 'workload_identity_x509_revocation'
  readonly version: 'v1'
  readonly metadata: Metadata
  readonly spec: {
    readonly reason: string
    /** RFC 3339. */
    readonly revoked_at: string
  }
}

/** Teleport's default lifetime of a revocation: a week, the longest a credential can live. */
export const REVOCATION_DEFAULT_TTL_MS = 7 * 24 * 3600_000

/**
 * A serial number as Teleport names revocations: colons dropped, read as hex, printed in lowercase
 * without leading zeros. Throws BadParameterError("invalid serial number") otherwise.
 */
export function normalizeSerial(text: string): string {
  // Go's big.Int SetString(s, 16): an optional sign, then hex digits only.
  const m = /^([+-]?)([0-9a-fA-F]+)$/.exec(text.replaceAll(':', ''))
  if (m === null) throw new BadParameterError('invalid serial number')
  const value = BigInt('0x' + m[2]!)
  return (m[1] === '-' && value !== 0n ? '-' : '') + value.toString(16)
}

function isRfc3339(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(new Date(text).getTime())
}

export function parseX509Revocation(value: unknown, loc: InputLocation): WorkloadIdentityX509Revocation {
  const top = FieldReader.of(value, rootPlace(loc), ['kind', 'version', 'metadata', 'spec'])
  if (top.get('kind') !== X509_REVOCATION_KIND) fail(top.at('kind'), `must be "${X509_REVOCATION_KIND}"`)
  if (top.has('version') && top.get('version') !== 'v1') fail(top.at('version'), 'only "v1" is supported')
  const metadata = parseMetadata(top.get('metadata'), top.at('metadata'))
  let normalized: string | undefined
  try {
    normalized = normalizeSerial(metadata.name)
  } catch {
    normalized = undefined
  }
  if (normalized !== metadata.name) {
    fail(top.at('metadata'), 'name must be the serial number in lowercase hex, without colons or leading zeros')
  }
  if (!top.has('spec')) fail(top.at('spec'), 'is required')
  const spec = FieldReader.of(top.get('spec'), top.at('spec'), ['reason', 'revoked_at'])
  const revokedAt = spec.requiredString('revoked_at')
  if (!isRfc3339(revokedAt)) fail(spec.at('revoked_at'), 'must be an RFC 3339 time')
  return defined({
    kind: X509_REVOCATION_KIND,
    version: 'v1' as const,
    metadata,
    spec: {reason: spec.string('reason') ?? '', revoked_at: new Date(revokedAt).toISOString()},
  })
}
