/**
 * The `services:`/`outputs:` entries of tbot config v2 (Teleport's lib/tbot/config/service_*.go):
 * workload-identity-x509, workload-identity-jwt, workload-identity-api, with their selectors,
 * destinations, credential lifetimes and attestors. Messages are Teleport's where it has one.
 */
import {FieldReader} from '../../document/fields.js'
import {fail, itemPlace, type Place} from '../../document/place.js'
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
import {nonBlank} from './onboarding.js'

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

export function parseService(value: unknown, place: Place, defaults: ServiceDefaults): ServiceDraft {
  const r = FieldReader.of(value, place)
  const origin = place.path
  const type = nonBlank(r.text('type'))
  switch (type) {
    case X509_OUTPUT_TYPE: return parseX509(r, origin, defaults)
    case JWT_OUTPUT_TYPE: return parseJwt(r, origin, defaults)
    case WORKLOAD_API_TYPE: return parseWorkloadApi(r, origin, defaults)
    case undefined: return fail(r.at('type'), `should not be empty; supported types: ${SUPPORTED_SERVICE_TYPES.join(', ')}`)
    default: {
      const why = KNOWN_UNSUPPORTED_TYPES.has(type) ? 'is not supported by svidkit' : 'is not a known service type'
      return fail(r.at('type'), `${JSON.stringify(type)} ${why}; supported types: ${SUPPORTED_SERVICE_TYPES.join(', ')}`)
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
    includeFederatedTrustBundles: r.boolean('include_federated_trust_bundles') ?? false,
    ...parseLifetime(r, defaults, MAX_X509_SVID_TTL_MS),
  }
  r.done()
  return service
}

function parseJwt(r: FieldReader, origin: string, defaults: ServiceDefaults): Unnamed<JwtOutputConfig> {
  const audiences = r.textList('audiences') ?? []
  if (audiences.length === 0) fail(r.at('audiences'), 'must have at least one value')
  audiences.forEach((a, i) => {
    if (a.trim() === '') fail(itemPlace(r.at('audiences'), i), 'should not be empty')
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
  const listen = nonBlank(r.text('listen')) ?? fail(r.at('listen'), 'should not be empty')
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
  const raw = r.get('socket_mode')
  if (raw === undefined) return {}
  if (typeof raw !== 'string' || !/^(0o?)?[0-7]{3}$/.test(raw)) fail(r.at('socket_mode'), 'must be a quoted octal mode such as "0660"')
  return {socketMode: Number.parseInt(raw.replace(/^0o?/, ''), 8)}
}

function optionalName(r: FieldReader): {name?: string} {
  const name = r.text('name')
  return name === undefined || name === '' ? {} : {name}
}

/** `selector: {name}` XOR `{labels: {k: [v]}}`, checked in Teleport's order (WorkloadIdentitySelector). */
export function parseSelector(parent: FieldReader): WorkloadIdentitySelector {
  const r = parent.mapping('selector') ?? fail(parent.at('selector'), "one of ['name', 'labels'] must be set")
  const name = r.text('name') ?? ''
  const labelsReader = r.mapping('labels')
  r.done()
  const labels = labelsReader === undefined ? {} : readLabels(labelsReader)
  const labelCount = Object.keys(labels).length
  if (name === '' && labelCount === 0) fail(r.place, "one of ['name', 'labels'] must be set")
  if (name !== '' && labelCount > 0) fail(r.place, "at most one of ['name', 'labels'] can be set")
  if (name !== '') return {name}
  for (const [key, values] of Object.entries(labels)) {
    if (values.length === 0) fail(r.place, `labels[${key}]: must have at least one value`)
  }
  return {labels}
}

/** `{k: [v, …]}`; a single scalar value is taken as a one-element list, null as an empty one. */
function readLabels(r: FieldReader): Readonly<Record<string, readonly string[]>> {
  // fromEntries defines own properties, so a `__proto__` label key stays an ordinary key.
  return Object.fromEntries(r.keys().map((key) => {
    if (Array.isArray(r.get(key))) return [key, r.textList(key)!]
    const value = r.text(key)
    return [key, value === undefined ? [] : [value]]
  }))
}

const SYMLINK_POLICIES: readonly SymlinkPolicy[] = ['secure', 'try-secure', 'insecure']

/** `destination: {type: directory, path, symlinks?, acls?}` or `{type: memory}`. */
export function parseDestination(parent: FieldReader, field: string): DestinationConfig {
  const r = parent.mapping(field) ?? fail(parent.place, 'no destination configured for output')
  const type = nonBlank(r.text('type'))
  if (type === 'memory') {
    r.done()
    return {type: 'memory'}
  }
  if (type !== 'directory') {
    const what = type === undefined ? 'should not be empty' : `unrecognized destination type (${type})`
    fail(r.at('type'), `${what}; supported: directory, memory`)
  }
  const path = nonBlank(r.text('path')) ?? fail(r.at('path'), 'should not be empty')
  const symlinks = r.text('symlinks') ?? 'try-secure'
  if (!(SYMLINK_POLICIES as readonly string[]).includes(symlinks)) {
    fail(r.at('symlinks'), `must be one of ${SYMLINK_POLICIES.join(', ')}, got ${JSON.stringify(symlinks)}`)
  }
  const acls = r.text('acls') ?? 'off'
  if (acls !== 'off') fail(r.at('acls'), `${JSON.stringify(acls)} is not supported by svidkit (Linux ACLs); use off`)
  if (r.has('readers')) fail(r.at('readers'), 'is not supported by svidkit (it needs Linux ACLs)')
  r.done()
  return {type: 'directory', path, symlinks: symlinks as SymlinkPolicy}
}

/**
 * A service's own `credential_ttl`/`renewal_interval` (both or neither, as Teleport's
 * CredentialLifetime.Validate), else the top level's.
 */
export function parseLifetime(r: FieldReader, defaults: ServiceDefaults, maxTtlMs: number): CredentialLifetime {
  const ttl = r.duration('credential_ttl', {positive: true})
  const interval = r.duration('renewal_interval', {positive: true})
  if ((ttl === undefined) !== (interval === undefined)) {
    fail(r.place, 'credential_ttl and renewal_interval must both be specified if either is')
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
    const [ttl, max] = [formatGoDuration(lifetime.credentialTtlMs), formatGoDuration(maxTtlMs)]
    fail(r.at('credential_ttl'), `${ttl} exceeds the maximum TTL allowed (${max})`)
  }
  if (!oneshot && lifetime.renewalIntervalMs >= lifetime.credentialTtlMs) {
    fail(
      r.at('renewal_interval'),
      `${formatGoDuration(lifetime.renewalIntervalMs)} must be shorter than credential_ttl (${formatGoDuration(lifetime.credentialTtlMs)}); ` +
        'increase the credential TTL or decrease the renewal interval',
    )
  }
}
