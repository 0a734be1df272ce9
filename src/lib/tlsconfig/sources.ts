/**
 * What tlsconfig reads from its sources on each new connection, and the secure context built from
 * them — rebuilt only when the SVID or an authority changed (object identity first, so the common
 * case costs a few comparisons per handshake).
 */
import type {X509Certificate} from 'node:crypto'
import {createSecureContext, type SecureContext, type SecureContextOptions} from 'node:tls'
import {BundleSet, type X509BundleSource} from '../spiffe/bundle.js'
import {X509Bundle} from '../spiffe/x509-bundle.js'
import type {X509Svid} from '../spiffe/x509-svid.js'

/** Anything holding the workload's current X509-SVID (X509Source, or a static one). */
export interface X509SvidSource {
  getX509Svid(): X509Svid
}

/**
 * A bundle source that can also list its bundles: OpenSSL is given every authority of every trust
 * domain, and verify-peer.ts then binds the path to the leaf's own trust domain. X509Source,
 * BundleSource, BundleSet and X509Bundle all qualify.
 */
export type X509BundleListSource = X509BundleSource & ({x509Bundles(): readonly X509Bundle[]} | BundleSet | X509Bundle)

/** Every authority the source trusts, of every trust domain. */
export function allAuthorities(source: X509BundleListSource): X509Certificate[] {
  if (source instanceof X509Bundle) return [...source.x509Authorities()]
  if (source instanceof BundleSet) return source.bundlesList().flatMap((b) => [...b.x509Authorities()])
  if ('x509Bundles' in source && typeof source.x509Bundles === 'function') return source.x509Bundles().flatMap((b) => [...b.x509Authorities()])
  throw new TypeError('tlsconfig: the bundle source must list its bundles (x509Bundles(), a BundleSet or an X509Bundle)')
}

const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** The options of a secure context for an SVID (may be absent: one-sided TLS) and the trusted authorities. */
export function contextOptions(svid: X509Svid | undefined, authorities: readonly X509Certificate[]): SecureContextOptions {
  const options: SecureContextOptions = {minVersion: 'TLSv1.2'}
  if (svid !== undefined) {
    const pem = svid.marshal()
    options.cert = pem.certificates
    options.key = pem.privateKey
  }
  // An empty list still replaces Node's CA store: nothing verifies until a bundle arrives.
  options.ca = authorities.length === 0 ? [] : authorities.map((a) => a.toString())
  return options
}

/** The current context for (svid source, bundle source), rebuilt when either changed. */
export class ContextCache {
  private svid: X509Svid | undefined
  private authorities: readonly X509Certificate[] = []
  private built: {options: SecureContextOptions; context: SecureContext} | undefined

  constructor(private readonly svidSource: X509SvidSource | undefined, private readonly bundleSource: X509BundleListSource | undefined) {}

  /** The options and context to use for the next connection; `changed` when rebuilt by this call. */
  current(): {options: SecureContextOptions; context: SecureContext; changed: boolean} {
    const svid = this.svidSource?.getX509Svid()
    const authorities = this.bundleSource === undefined ? [] : allAuthorities(this.bundleSource)
    if (this.built !== undefined && svid === this.svid && sameItems(authorities, this.authorities)) {
      return {...this.built, changed: false}
    }
    const options = contextOptions(svid, authorities)
    this.built = {options, context: createSecureContext(options)}
    this.svid = svid
    this.authorities = authorities
    return {...this.built, changed: true}
  }
}
