/**
 * Workload API responses → typed values, as go-spiffe's client builds them (spec/spiffe.md §4.4
 * "go-spiffe client behaviour"): SVIDs parsed and checked, a later SVID with an already-seen hint
 * skipped, bundle map keys read with TrustDomain.parse (so `spiffe://td` and bare `td` both work).
 */
import {createPrivateKey, type JsonWebKey, type KeyObject, type X509Certificate} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import {SpiffeId, TrustDomain} from '../spiffe/id.js'
import {parseCertificates, subjectAltNames} from './certs.js'
import {parseJwtSvidInsecure} from './jwt-validate.js'
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

function fail(message: string, cause?: unknown): never {
  throw new BadParameterError(message, cause === undefined ? undefined : {cause})
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** One X509-SVID, checked as go-spiffe's `x509svid.ParseRaw` (the ID comes from the leaf's URI SAN). */
export function parseX509Svid(message: X509SvidMessage): X509Svid {
  let certificates: X509Certificate[]
  try {
    certificates = parseCertificates(message.x509_svid)
  } catch (err) {
    fail(`x509svid: certificate validation failed: ${reason(err)}`, err)
  }
  const leaf = certificates[0]
  if (leaf === undefined) fail('x509svid: certificate validation failed: no certificates found')
  const uris = subjectAltNames(leaf).uris
  if (uris.length !== 1) {
    fail(`x509svid: certificate validation failed: cannot get leaf certificate SPIFFE ID: certificate contains ${
      uris.length === 0 ? 'no URI SAN' : 'more than one URI SAN'}`)
  }
  let spiffeId: SpiffeId
  try {
    spiffeId = SpiffeId.parse(uris[0] as string)
  } catch (err) {
    fail(`x509svid: certificate validation failed: cannot get leaf certificate SPIFFE ID: ${reason(err)}`, err)
  }
  if (spiffeId.isRoot()) {
    fail('x509svid: certificate validation failed: leaf certificate SPIFFE ID must have a non-root path')
  }
  if (leaf.ca) fail('x509svid: certificate validation failed: leaf certificate must not have CA flag set to true')
  if (certificates.slice(1).some((c) => !c.ca)) {
    fail('x509svid: certificate validation failed: signing certificate must have CA flag set to true')
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({key: Buffer.from(message.x509_svid_key), format: 'der', type: 'pkcs8'})
  } catch (err) {
    fail('x509svid: private key validation failed: cannot parse DER encoded private key', err)
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    fail('x509svid: private key validation failed: leaf certificate does not match private key')
  }
  return {spiffeId, certificates, privateKey, hint: message.hint}
}

function parseBundle(key: string, der: Uint8Array): X509Bundle {
  let trustDomain: TrustDomain
  try {
    trustDomain = TrustDomain.parse(key)
  } catch (err) {
    fail(`x509bundle: invalid trust domain ${JSON.stringify(key)}: ${reason(err)}`, err)
  }
  try {
    return {trustDomain, authorities: parseCertificates(der)}
  } catch (err) {
    fail(`x509bundle: unable to parse bundle of ${trustDomain.name}: ${reason(err)}`, err)
  }
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
 * `spiffe_id`, plus every
 * federated bundle. An empty SVID list is go-spiffe's `no SVIDs in response` unless allowed.
 */
export function parseX509Context(response: X509SvidResponse, options: {allowEmpty?: boolean} = {}): X509Context {
  if (response.svids.length === 0 && options.allowEmpty !== true) fail('no SVIDs in response')
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

function parseJwks(trustDomain: TrustDomain, json: Uint8Array): JwtBundle {
  let document: unknown
  try {
    document = JSON.parse(Buffer.from(json).toString('utf8'))
  } catch (err) {
    fail(`jwtbundle: unable to parse JWKS: ${reason(err)}`, err)
  }
  const keys = (document as {keys?: unknown} | null)?.keys
  if (!Array.isArray(keys)) fail('jwtbundle: unable to parse JWKS: no keys')
  const byId = new Map<string, JsonWebKey>()
  keys.forEach((key: unknown, i) => {
    const kid = (key as {kid?: unknown} | null)?.kid
    if (typeof kid !== 'string' || kid === '') fail(`jwtbundle: error adding authority ${i} of JWKS: keyID cannot be empty`)
    byId.set(kid, key as JsonWebKey)
  })
  return {trustDomain, keys: byId}
}

export function parseJwtBundles(response: JwtBundlesResponse): ReadonlyMap<string, JwtBundle> {
  return sortedMap(Object.entries(response.bundles).map(([key, json]) => {
    let trustDomain: TrustDomain
    try {
      trustDomain = TrustDomain.parse(key)
    } catch (err) {
      fail(`jwtbundle: invalid trust domain ${JSON.stringify(key)}: ${reason(err)}`, err)
    }
    return [trustDomain.name, parseJwks(trustDomain, json)] as [string, JwtBundle]
  }))
}

/** FetchJWTSVID's message → SVIDs, each parsed as go-spiffe's ParseInsecure with the requested audiences. */
export function parseJwtSvids(
  response: JwtSvidResponse, audiences: readonly string[], now: Date, options: {allowEmpty?: boolean} = {},
): JwtSvid[] {
  if (response.svids.length === 0 && options.allowEmpty !== true) fail('there were no SVIDs in the response')
  return firstPerHint(response.svids).map((message) => {
    const parsed = parseJwtSvidInsecure(message.svid, audiences, now)
    return {...parsed, token: message.svid, hint: message.hint}
  })
}
