/**
 * The `services:`/`outputs:` entries of tbot config v2 (teleport.md §6, lib/tbot/config/service_*.go):
 * workload-identity-x509, workload-identity-jwt, workload-identity-api, with their selectors,
 * destinations, credential lifetimes and attestors. Messages are Teleport's where it has one.
 */
import {FieldReader} from './fields.js'
import {
  JWT_OUTPUT_TYPE,
  MAX_CREDENTIAL_TTL_MS,
  MAX_X509_SVID_TTL_MS,
  SUPPORTED_SERVICE_TYPES,
  WORKLOAD_API_TYPE,
  X509_OUTPUT_TYPE,
  type CredentialLifetime,
  type DestinationConfig,
  type JwtOutputConfig,
  type WorkloadApiConfig,
  type X509OutputConfig,
  type SymlinkPolicy,
  type WorkloadIdentitySelector,
} from './types.js'
import {formatGoDuration} from '../../duration.js'
import {parseAttestors, parseListenAddress} from './workload-api.js'

/** What a service inherits from the top level of the config. */
export interface ServiceDefaults extends CredentialLifetime {
  readonly oneshot: boolean
}

/** Service types Teleport has that we recognise by name, to say "not supported" rather than "unknown". */
const KNOWN_UNSUPPORTED_TYPES = new Set([
  'identity', 'application', 'application-tunnel', 'database', 'database-tunnel', 'kubernetes',
  'kubernetes/v2', 'ssh-host', 'ssh-multiplexer', 'spiffe-svid', 'spiffe-workload-api',
  'workload-identity-aws-roles-anywhere', 'workload-identity', 'example',
])

/** A parsed service whose `name` may still be missing (the config names them all at the end). */
export type ServiceDraft = Unnamed<X509OutputConfig> | Unnamed<JwtOutputConfig> | Unnamed<WorkloadApiConfig>
type Unnamed<T> = Omit<T, 'name'> & {readonly name?: string}

export function parseService(value: unknown, file: string, origin: string, defaults: ServiceDefaults): ServiceDraft {
  const r = new FieldReader(value, file, origin)
  const type = r.string('type')
  switch (type) {
    case X509_OUTPUT_TYPE: return parseX509(r, origin, defaults)
    case JWT_OUTPUT_TYPE: return parseJwt(r, origin, defaults)
    case WORKLOAD_API_TYPE: return parseWorkloadApi(r, origin, defaults)
    case undefined: throw r.error(r.fieldPath('type'), `should not be empty; supported types: ${SUPPORTED_SERVICE_TYPES.join(', ')}`)
    default: {
      const why = KNOWN_UNSUPPORTED_TYPES.has(type) ? 'is not supported by svidkit' : 'is not a known service type'
      throw r.error(r.fieldPath('type'), `${JSON.stringify(type)} ${why}; supported types: ${SUPPORTED_SERVICE_TYPES.join(', ')}`)
    }
  }
}

function parseX509(r: FieldReader, origin: string, defaults: ServiceDefaults): Unnamed<X509OutputConfig> {
  const service: Unnamed<X509OutputConfig> = {
    type: X509_OUTPUT_TYPE,
    origin,
    ...optionalName(r),
    selector: parseSelector(r),
    destination: parseDestination(r, 'destination'),
    includeFederatedTrustBundles: r.bool('include_federated_trust_bundles') ?? false,
    ...parseLifetime(r, defaults, MAX_X509_SVID_TTL_MS),
  }
  r.done()
  return service
}

function parseJwt(r: FieldReader, origin: string, defaults: ServiceDefaults): Unnamed<JwtOutputConfig> {
  const audiences = r.stringList('audiences') ?? []
  if (audiences.length === 0) throw r.error(r.fieldPath('audiences'), 'must have at least one value')
  audiences.forEach((a, i) => {
    if (a.trim() === '') throw r.error(`${r.fieldPath('audiences')}[${i}]`, 'should not be empty')
  })
  const service: Unnamed<JwtOutputConfig> = {
    type: JWT_OUTPUT_TYPE,
    origin,
    ...optionalName(r),
    selector: parseSelector(r),
    destination: parseDestination(r, 'destination'),
    audiences,
    ...parseLifetime(r, defaults, MAX_CREDENTIAL_TTL_MS),
  }
  r.done()
  return service
}

function parseWorkloadApi(r: FieldReader, origin: string, defaults: ServiceDefaults): Unnamed<WorkloadApiConfig> {
  const listen = r.string('listen') ?? ''
  if (listen.trim() === '') throw r.error(r.fieldPath('listen'), 'should not be empty')
  const service: Unnamed<WorkloadApiConfig> = {
    type: WORKLOAD_API_TYPE,
    origin,
    ...optionalName(r),
    listen,
    listenAddress: parseListenAddress(listen, r),
    selector: parseSelector(r),
    attestors: parseAttestors(r.mapping('attestors')),
    ...parseSocketMode(r),
    ...parseLifetime(r, defaults, MAX_X509_SVID_TTL_MS),
  }
  r.done()
  return service
}

/** `socket_mode: "0660"`: a quoted octal string, since YAML reads a bare 0660 as decimal 660. */
function parseSocketMode(r: FieldReader): {socketMode?: number} {
  const raw = r.raw('socket_mode')
  if (raw === undefined) return {}
  if (typeof raw !== 'string' || !/^(0o?)?[0-7]{3}$/.test(raw)) {
    throw r.error(r.fieldPath('socket_mode'), 'must be a quoted octal mode such as "0660"')
  }
  return {socketMode: Number.parseInt(raw.replace(/^0o?/, ''), 8)}
}

function optionalName(r: FieldReader): {name?: string} {
  const name = r.string('name')
  return name === undefined || name === '' ? {} : {name}
}

/** `selector: {name}` XOR `{labels: {k: [v]}}`, checked in Teleport's order (WorkloadIdentitySelector). */
export function parseSelector(parent: FieldReader): WorkloadIdentitySelector {
  const r = parent.mapping('selector')
  if (r === undefined) throw parent.error(parent.fieldPath('selector'), "one of ['name', 'labels'] must be set")
  const name = r.string('name') ?? ''
  const labelsReader = r.mapping('labels')
  r.done()
  const labels = labelsReader === undefined ? {} : readLabels(labelsReader)
  const labelCount = Object.keys(labels).length
  if (name === '' && labelCount === 0) throw r.error(r.path, "one of ['name', 'labels'] must be set")
  if (name !== '' && labelCount > 0) throw r.error(r.path, "at most one of ['name', 'labels'] can be set")
  if (name !== '') return {name}
  for (const [key, values] of Object.entries(labels)) {
    if (values.length === 0) throw r.error(r.path, `labels[${key}]: must have at least one value`)
  }
  return {labels}
}

/** `{k: [v, …]}`; a single scalar value is taken as a one-element list. */
function readLabels(r: FieldReader): Readonly<Record<string, readonly string[]>> {
  const labels: Record<string, readonly string[]> = {}
  for (const key of r.keys()) {
    const raw = r.raw(key)
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
    labels[key] = values.map((v, i) => {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
      throw r.error(`${r.fieldPath(key)}[${i}]`, 'must be a string')
    })
  }
  return labels
}

const SYMLINK_POLICIES: readonly SymlinkPolicy[] = ['secure', 'try-secure', 'insecure']

/** `destination: {type: directory, path, symlinks?, acls?}` or `{type: memory}`. */
export function parseDestination(parent: FieldReader, field: string): DestinationConfig {
  const r = parent.mapping(field)
  if (r === undefined) throw parent.error(parent.path, 'no destination configured for output')
  const type = r.string('type')
  if (type === 'memory') {
    r.done()
    return {type: 'memory'}
  }
  if (type !== 'directory') {
    const what = type === undefined ? 'should not be empty' : `unrecognized destination type (${type})`
    throw r.error(r.fieldPath('type'), `${what}; supported: directory, memory`)
  }
  const path = r.requiredString('path')
  const symlinks = r.string('symlinks') ?? 'try-secure'
  if (!(SYMLINK_POLICIES as readonly string[]).includes(symlinks)) {
    throw r.error(r.fieldPath('symlinks'), `must be one of ${SYMLINK_POLICIES.join(', ')}, got ${JSON.stringify(symlinks)}`)
  }
  const acls = r.string('acls') ?? 'off'
  if (acls !== 'off') throw r.error(r.fieldPath('acls'), `${JSON.stringify(acls)} is not supported by svidkit (Linux ACLs); use off`)
  if (r.has('readers')) throw r.error(r.fieldPath('readers'), 'is not supported by svidkit (it needs Linux ACLs)')
  r.done()
  return {type: 'directory', path, symlinks: symlinks as SymlinkPolicy}
}

/**
 * A service's own `credential_ttl`/`renewal_interval` (both or neither, as Teleport's
 * CredentialLifetime.Validate), else the top level's.
 */
export function parseLifetime(r: FieldReader, defaults: ServiceDefaults, maxTtlMs: number): CredentialLifetime {
  const ttl = r.duration('credential_ttl')
  const interval = r.duration('renewal_interval')
  if ((ttl === undefined) !== (interval === undefined)) {
    throw r.error(r.path, 'credential_ttl and renewal_interval must both be specified if either is')
  }
  const lifetime = ttl === undefined || interval === undefined
    ? {credentialTtlMs: defaults.credentialTtlMs, renewalIntervalMs: defaults.renewalIntervalMs}
    : {credentialTtlMs: ttl, renewalIntervalMs: interval}
  if (ttl !== undefined) checkLifetime(r, lifetime, defaults.oneshot, maxTtlMs)
  return lifetime
}

/** Teleport only warns about these; we refuse, since such a credential expires before renewal. */
export function checkLifetime(r: FieldReader, lifetime: CredentialLifetime, oneshot: boolean, maxTtlMs: number): void {
  if (lifetime.credentialTtlMs > maxTtlMs) {
    throw r.error(r.fieldPath('credential_ttl'), `${formatGoDuration(lifetime.credentialTtlMs)} exceeds the maximum TTL allowed (${formatGoDuration(maxTtlMs)})`)
  }
  if (!oneshot && lifetime.renewalIntervalMs >= lifetime.credentialTtlMs) {
    throw r.error(
      r.fieldPath('renewal_interval'),
      `${formatGoDuration(lifetime.renewalIntervalMs)} must be shorter than credential_ttl (${formatGoDuration(lifetime.credentialTtlMs)}); ` +
        'increase the credential TTL or decrease the renewal interval',
    )
  }
}
