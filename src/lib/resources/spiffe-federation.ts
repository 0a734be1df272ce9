/**
 * `spiffe_federation` v1 (Teleport's api/proto/teleport/machineid/v1/federation.proto and
 * lib/services/spiffe_federation.go ValidateSPIFFEFederation): `metadata.name` is the foreign trust
 * domain; `spec.bundle_source` is either `static.bundle` (a SPIFFE bundle JWKS) or
 * `https_web.bundle_endpoint_url`. `status` is server-set (federation/syncer.ts writes it); it is
 * accepted so `tctl get` output parses back, and dropped when a user writes the resource.
 *
 * Beyond Teleport's status: `last_sync_error` and `last_sync_attempted_at` say why the latest sync
 * failed (Teleport only logs it), while `current_bundle` keeps the last good bundle.
 */
import type {InputLocation} from '../errors.js'
import {fail, fieldPlace, rootPlace, type Place} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {SpiffeBundle} from '../spiffe/spiffe-bundle.js'
import {TrustDomain} from '../spiffe/id.js'
import {formatProtoDuration} from '../duration.js'
import {parseMetadata, parseRfc3339} from './metadata.js'
import type {Metadata} from './types.js'
import {defined} from './values.js'

export const SPIFFE_FEDERATION_KIND = 'spiffe_federation'

export interface SpiffeFederationBundleSource {
  readonly static?: {readonly bundle: string}
  readonly https_web?: {readonly bundle_endpoint_url: string}
}

export interface SpiffeFederationStatus {
  /** The most recent good bundle, as SPIFFE bundle JSON. */
  readonly current_bundle?: string
  /** RFC 3339. */
  readonly current_bundle_synced_at?: string
  /** The spec.bundle_source that current_bundle came from (a changed source syncs again). */
  readonly current_bundle_synced_from?: SpiffeFederationBundleSource
  /** RFC 3339: when the syncer fetches again. */
  readonly next_sync_at?: string
  /** protojson duration: the bundle's spiffe_refresh_hint as received. */
  readonly current_bundle_refresh_hint?: string
  /** Why the latest attempt failed; absent after a success. */
  readonly last_sync_error?: string
  readonly last_sync_attempted_at?: string
}

export interface SpiffeFederation {
  readonly kind: 'spiffe_federation'
  readonly version: 'v1'
  readonly metadata: Metadata
  readonly spec: {readonly bundle_source: SpiffeFederationBundleSource}
  readonly status?: SpiffeFederationStatus
}

const STATUS_FIELDS = [
  'current_bundle', 'current_bundle_synced_at', 'current_bundle_synced_from', 'next_sync_at',
  'current_bundle_refresh_hint', 'last_sync_error', 'last_sync_attempted_at',
]

export function parseSpiffeFederation(value: unknown, loc: InputLocation): SpiffeFederation {
  const top = FieldReader.of(value, rootPlace(loc), ['kind', 'version', 'sub_kind', 'metadata', 'spec', 'status'])
  if (top.get('kind') !== SPIFFE_FEDERATION_KIND) fail(top.at('kind'), `must be "${SPIFFE_FEDERATION_KIND}"`)
  if (top.has('version') && top.get('version') !== 'v1') fail(top.at('version'), 'only "v1" is supported')
  top.get('sub_kind')
  const metadata = parseMetadata(top.get('metadata'), top.at('metadata'))
  const trustDomain = federatedTrustDomain(metadata.name, top.at('metadata'))
  if (!top.has('spec')) fail(top.at('spec'), 'is required')
  const spec = FieldReader.of(top.get('spec'), top.at('spec'), ['bundle_source'])
  if (!spec.has('bundle_source')) fail(spec.at('bundle_source'), 'is required')
  const source = parseBundleSource(spec.mapping('bundle_source', ['static', 'https_web']) as FieldReader, trustDomain)
  const status = top.mapping('status', STATUS_FIELDS)
  return defined({
    kind: SPIFFE_FEDERATION_KIND,
    version: 'v1' as const,
    metadata,
    spec: {bundle_source: source},
    status: status === undefined ? undefined : parseStatus(status),
  })
}

/** metadata.name is a bare trust domain name (lib/services/spiffe_federation.go). */
function federatedTrustDomain(name: string, metadataPlace: Place): TrustDomain {
  // A `spiffe://` prefix never gets here: metadata names refuse "/" (metadata.ts).
  const place = fieldPlace(metadataPlace, 'name')
  try {
    return TrustDomain.parse(name)
  } catch (err) {
    return fail(place, `is not a valid trust domain name: ${(err as Error).message}`)
  }
}

function parseBundleSource(source: FieldReader, trustDomain: TrustDomain): SpiffeFederationBundleSource {
  const hasStatic = source.has('static')
  const hasWeb = source.has('https_web')
  if (hasStatic && hasWeb) fail(source.place, 'at most one of https_web or static can be set')
  if (!hasStatic && !hasWeb) fail(source.place, 'at least one of https_web or static must be set')
  if (hasStatic) {
    const fields = source.mapping('static', ['bundle']) as FieldReader
    const bundle = fields.requiredString('bundle')
    try {
      SpiffeBundle.parse(trustDomain, bundle)
    } catch (err) {
      fail(fields.at('bundle'), `is not a SPIFFE bundle: ${(err as Error).message}`)
    }
    return {static: {bundle}}
  }
  const fields = source.mapping('https_web', ['bundle_endpoint_url']) as FieldReader
  const url = fields.requiredString('bundle_endpoint_url')
  const problem = bundleEndpointUrlProblem(url)
  if (problem !== undefined) fail(fields.at('bundle_endpoint_url'), problem)
  return {https_web: {bundle_endpoint_url: url}}
}

/**
 * The https_web profile is HTTPS with Web PKI (SPIFFE_Federation.md §5.2.1): a plain-HTTP URL is
 * refused here, and again by the syncer for anything stored before this check.
 */
export function bundleEndpointUrlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `is not a URL: ${JSON.stringify(text)}`
  }
  if (url.protocol !== 'https:') return `must be an https:// URL (the https_web profile), got ${JSON.stringify(url.protocol.slice(0, -1))}`
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  return undefined
}

function parseStatus(status: FieldReader): SpiffeFederationStatus {
  const time = (key: string): string | undefined => {
    const text = status.string(key)
    if (text === undefined || text === '') return undefined
    return parseRfc3339(text) ?? fail(status.at(key), `must be an RFC 3339 time, got ${JSON.stringify(text)}`)
  }
  const from = status.mapping('current_bundle_synced_from', ['static', 'https_web'])
  const hint = status.duration('current_bundle_refresh_hint')
  return defined({
    current_bundle: status.string('current_bundle') || undefined,
    current_bundle_synced_at: time('current_bundle_synced_at'),
    current_bundle_synced_from: from === undefined ? undefined : syncedFrom(from),
    next_sync_at: time('next_sync_at'),
    current_bundle_refresh_hint: hint === undefined ? undefined : formatProtoDuration(hint),
    last_sync_error: status.string('last_sync_error') || undefined,
    last_sync_attempted_at: time('last_sync_attempted_at'),
  })
}

/** The recorded source, copied as stored (it was checked when it was the spec). */
function syncedFrom(from: FieldReader): SpiffeFederationBundleSource {
  const staticBundle = from.mapping('static', ['bundle'])?.string('bundle')
  const url = from.mapping('https_web', ['bundle_endpoint_url'])?.string('bundle_endpoint_url')
  return defined({
    static: staticBundle === undefined ? undefined : {bundle: staticBundle},
    https_web: url === undefined ? undefined : {bundle_endpoint_url: url},
  })
}

/** Two bundle sources are the same configuration. */
export function sameBundleSource(a: SpiffeFederationBundleSource | undefined, b: SpiffeFederationBundleSource | undefined): boolean {
  return a?.static?.bundle === b?.static?.bundle && a?.https_web?.bundle_endpoint_url === b?.https_web?.bundle_endpoint_url
}

/**
 * What a user's write stores: their spec with the stored status (the status belongs to the syncer;
 * the last good bundle stays in use until the new source has been synced).
 */
export function withStoredStatus(federation: SpiffeFederation, stored: SpiffeFederation | undefined): SpiffeFederation {
  const {status: _ignored, ...rest} = federation
  return stored?.status === undefined ? rest : {...rest, status: stored.status}
}
