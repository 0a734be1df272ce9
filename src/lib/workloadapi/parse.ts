/**
 * Workload API responses → typed values, as go-spiffe's client builds them (spiffe/go-spiffe
 * v2/workloadapi/client.go). The SVID and bundle parsing itself is the SPIFFE library's
 * (X509Svid.parseRaw, X509Bundle.parseRaw, JwtBundle.parse, JwtSvid.parseInsecure, with go-spiffe's
 * messages); this module adds the Workload API's own rules: a later SVID with an already-seen hint
 * is skipped, and bundle map keys are read with TrustDomain.parse (so `spiffe://td` and bare `td`
 * both work).
 */
import type {JsonWebKey, KeyObject, X509Certificate} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import {type SpiffeId, TrustDomain} from '../spiffe/id.js'
import {JwtBundle as SpiffeJwtBundle, marshalJwk} from '../spiffe/jwt-bundle.js'
import {JwtSvid as SpiffeJwtSvid} from '../spiffe/jwt-svid.js'
import {X509Bundle as SpiffeX509Bundle} from '../spiffe/x509-bundle.js'
import {X509Svid as SpiffeX509Svid} from '../spiffe/x509-svid.js'
import type {JwtBundlesResponse, JwtSvidResponse, X509BundlesResponse, X509SvidMessage, X509SvidResponse} from './proto.js'

export interface X509Svid {
  readonly spiffeId: SpiffeId
  /** Leaf first. */
  readonly certificates: readonly X509Certificate[]
  readonly privateKey: KeyObject
  readonly hint: string
}

export interface X509Bundle {
  readonly trustDomain: TrustDomain
  readonly authorities: readonly X509Certificate[]
}

export interface X509Context {
  /** The first is the default identity. */
  readonly svids: readonly X509Svid[]
  /** By trust domain name, sorted. */
  readonly bundles: ReadonlyMap<string, X509Bundle>
}

export interface JwtSvid {
  readonly spiffeId: SpiffeId
  readonly token: string
  readonly audience: readonly string[]
  readonly expiry: Date
  readonly claims: Readonly<Record<string, unknown>>
  readonly hint: string
}

export interface JwtBundle {
  readonly trustDomain: TrustDomain
  /** Public JWKs by key id. */
  readonly keys: ReadonlyMap<string, JsonWebKey>
}

/** One X509-SVID: go-spiffe's `x509svid.ParseRaw` (ID from the leaf's URI SAN, key must match). */
export function parseX509Svid(message: X509SvidMessage): X509Svid {
  const svid = SpiffeX509Svid.parseRaw(message.x509_svid, message.x509_svid_key)
  return {spiffeId: svid.id, certificates: svid.certificates, privateKey: svid.privateKey, hint: message.hint}
}

/** A bundle map key: `spiffe://td` or `td`. */
function trustDomainOfKey(kind: 'x509bundle' | 'jwtbundle', key: string): TrustDomain {
  try {
    return TrustDomain.parse(key)
  } catch (err) {
    throw new BadParameterError(`${kind}: invalid trust domain ${JSON.stringify(key)}: ${(err as Error).message}`, {cause: err})
  }
}

function parseBundle(key: string, der: Uint8Array): X509Bundle {
  const trustDomain = trustDomainOfKey('x509bundle', key)
  return {trustDomain, authorities: SpiffeX509Bundle.parseRaw(trustDomain, der).x509Authorities()}
}

function sortedMap<V>(entries: Iterable<[string, V]>): Map<string, V> {
  return new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Keeps the first of any SVIDs sharing a non-empty hint (Workload API §5.2.1; go-spiffe does the same). */
function firstPerHint<T extends {hint: string}>(items: readonly T[]): T[] {
  const seen = new Set<string>()
  return items.filter((item) => {
    if (item.hint === '') return true
    if (seen.has(item.hint)) return false
    seen.add(item.hint)
    return true
  })
}

/**
 * FetchX509SVID's message → context: each SVID's own bundle keyed by the trust domain of its
 * `spiffe_id`, plus every federated bundle. An empty SVID list is go-spiffe's `no SVIDs in
 * response` unless allowed.
 */
export function parseX509Context(response: X509SvidResponse, options: {allowEmpty?: boolean} = {}): X509Context {
  if (response.svids.length === 0 && options.allowEmpty !== true) throw new BadParameterError('no SVIDs in response')
  const svids = firstPerHint(response.svids).map(parseX509Svid)
  const bundles = new Map<string, X509Bundle>()
  for (const message of response.svids) {
    const bundle = parseBundle(message.spiffe_id, message.bundle)
    bundles.set(bundle.trustDomain.name, bundle)
  }
  for (const [key, der] of Object.entries(response.federated_bundles)) {
    const bundle = parseBundle(key, der)
    bundles.set(bundle.trustDomain.name, bundle)
  }
  return {svids, bundles: sortedMap(bundles)}
}

export function parseX509Bundles(response: X509BundlesResponse): ReadonlyMap<string, X509Bundle> {
  return sortedMap(Object.entries(response.bundles).map(([key, der]) => {
    const bundle = parseBundle(key, der)
    return [bundle.trustDomain.name, bundle] as [string, X509Bundle]
  }))
}

/** go-spiffe's `jwtbundle.Parse` (every key needs a kid), each key handed back as its public JWK. */
function parseJwks(trustDomain: TrustDomain, json: Uint8Array): JwtBundle {
  const authorities = SpiffeJwtBundle.parse(trustDomain, json).jwtAuthorities()
  const keys = new Map([...authorities].map(([kid, key]): [string, JsonWebKey] => [kid, marshalJwk(key, {kid}) as JsonWebKey]))
  return {trustDomain, keys}
}

export function parseJwtBundles(response: JwtBundlesResponse): ReadonlyMap<string, JwtBundle> {
  return sortedMap(Object.entries(response.bundles).map(([key, json]) => {
    const trustDomain = trustDomainOfKey('jwtbundle', key)
    return [trustDomain.name, parseJwks(trustDomain, json)] as [string, JwtBundle]
  }))
}

/** FetchJWTSVID's message → SVIDs, each parsed as go-spiffe's ParseInsecure with the requested audiences. */
export function parseJwtSvids(
  response: JwtSvidResponse, audiences: readonly string[], now: Date, options: {allowEmpty?: boolean} = {},
): JwtSvid[] {
  if (response.svids.length === 0 && options.allowEmpty !== true) throw new BadParameterError('there were no SVIDs in the response')
  return firstPerHint(response.svids).map((message) => {
    const svid = SpiffeJwtSvid.parseInsecure(message.svid, audiences, {now: () => now})
    return {spiffeId: svid.id, token: message.svid, audience: svid.audience, expiry: svid.expiry, claims: svid.claims, hint: message.hint}
  })
}
