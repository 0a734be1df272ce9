/**
 * Bundle sources and a set of bundles keyed by trust domain (go-spiffe's `Source` interfaces and
 * `spiffebundle.Set`). Verification always picks the bundle of the SVID's own trust domain
 * (SPIFFE_Trust_Domain_and_Bundle.md §4; go-spiffe v2 `bundle/spiffebundle` Set).
 */
import type {KeyObject, X509Certificate} from 'node:crypto'
import {NotFoundError} from '../errors.js'
import type {TrustDomain} from './id.js'
import {JwtBundle} from './jwt-bundle.js'
import {SpiffeBundle} from './spiffe-bundle.js'
import {X509Bundle} from './x509-bundle.js'

export {JwtBundle} from './jwt-bundle.js'
export {SpiffeBundle, JWT_SVID_USE, X509_SVID_USE, type SpiffeBundleInit} from './spiffe-bundle.js'
export {X509Bundle} from './x509-bundle.js'

/** Throws NotFoundError when it holds no X.509 bundle for the trust domain. */
export interface X509BundleSource {
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle
}

/** Throws NotFoundError when it holds no JWT bundle for the trust domain. */
export interface JwtBundleSource {
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle
}

export type BundleSource = X509BundleSource & JwtBundleSource

type AnyBundle = X509Bundle | JwtBundle | SpiffeBundle

/**
 * SPIFFE bundles by trust domain. Adding an X509Bundle or JwtBundle replaces only that half of the
 * trust domain's bundle, so the Workload API's separate X.509 and JWT bundle streams can share one set.
 */
export class BundleSet implements BundleSource {
  private readonly bundles = new Map<string, SpiffeBundle>()

  constructor(bundles: Iterable<AnyBundle> = []) {
    for (const b of bundles) this.add(b)
  }

  add(bundle: AnyBundle): void {
    const td = bundle.trustDomain
    const current = this.bundles.get(td.name)
    if (bundle instanceof SpiffeBundle) {
      this.bundles.set(td.name, bundle)
      return
    }
    const x509Authorities: readonly X509Certificate[] =
      bundle instanceof X509Bundle ? bundle.x509Authorities() : (current?.x509Authorities() ?? [])
    const jwtAuthorities: ReadonlyMap<string, KeyObject> =
      bundle instanceof JwtBundle ? bundle.jwtAuthorities() : (current?.jwtAuthorities() ?? new Map())
    this.bundles.set(
      td.name,
      new SpiffeBundle(td, {
        x509Authorities,
        jwtAuthorities,
        ...(current?.refreshHintMs === undefined ? {} : {refreshHintMs: current.refreshHintMs}),
        ...(current?.sequenceNumber === undefined ? {} : {sequenceNumber: current.sequenceNumber}),
      }),
    )
  }

  remove(trustDomain: TrustDomain): void {
    this.bundles.delete(trustDomain.name)
  }

  has(trustDomain: TrustDomain): boolean {
    return this.bundles.has(trustDomain.name)
  }

  get(trustDomain: TrustDomain): SpiffeBundle | undefined {
    return this.bundles.get(trustDomain.name)
  }

  bundlesList(): SpiffeBundle[] {
    return [...this.bundles.values()].sort((a, b) => (a.trustDomain.name < b.trustDomain.name ? -1 : 1))
  }

  get size(): number {
    return this.bundles.size
  }

  private lookup(kind: string, trustDomain: TrustDomain): SpiffeBundle {
    const b = this.bundles.get(trustDomain.name)
    if (b === undefined) throw new NotFoundError(`spiffebundle: no ${kind} bundle for trust domain ${JSON.stringify(trustDomain.name)}`)
    return b
  }

  getBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle {
    return this.lookup('SPIFFE', trustDomain)
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.lookup('X.509', trustDomain).x509Bundle()
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.lookup('JWT', trustDomain).jwtBundle()
  }
}
