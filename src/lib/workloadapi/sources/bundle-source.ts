/**
 * WorkloadBundleSource (go-spiffe's BundleSource, v2/workloadapi/bundlesource.go): X.509 and JWT bundles of every trust
 * domain the workload trusts, for bundle-only users (a TLS client that presents no SVID, a JWT
 * validator). One difference from go-spiffe: the X.509 half comes from FetchX509Bundles, not
 * FetchX509SVID, so a workload entitled to no SVID still gets bundles — federated ones included.
 */
import {EventEmitter} from 'node:events'
import {NotFoundError} from '../../errors.js'
import {SpiffeBundle, type BundleSource as BundleSourceInterface} from '../../spiffe/bundle.js'
import type {TrustDomain} from '../../spiffe/id.js'
import type {JwtBundle} from '../../spiffe/jwt-bundle.js'
import type {X509Bundle} from '../../spiffe/x509-bundle.js'
import {SourceCore, type SourceEvents, type SourceOptions} from './common.js'
import {toJwtBundle, toX509Bundle} from './convert.js'

/**
 * Every trust domain's bundles from the Workload API, always current.
 *
 * @example
 * ```ts
 * import https from 'node:https'
 * import {WorkloadBundleSource, authorizeID, SpiffeId, tlsClientConfig} from 'svidkit'
 * const bundles = await WorkloadBundleSource.create()
 * const server = SpiffeId.parse('spiffe://example.org/api')
 * https.get({host: '10.0.0.7', port: 8443, ...tlsClientConfig(bundles, authorizeID(server))}, (res) => res.pipe(process.stdout))
 * ```
 */
export class WorkloadBundleSource extends EventEmitter<SourceEvents> implements BundleSourceInterface {
  private x509 = new Map<string, X509Bundle>()
  private jwt = new Map<string, JwtBundle>()
  private core: SourceCore | undefined

  private constructor() {
    super()
  }

  /** Connects and resolves once both the X.509 and the JWT bundles have arrived. */
  static async create(options: SourceOptions = {}): Promise<WorkloadBundleSource> {
    const source = new WorkloadBundleSource()
    source.core = await SourceCore.open('bundlesource', options, 2, (client, ready, failed) => {
      const once = (): (() => void) => {
        let done = false
        return () => {
          if (!done) ready()
          done = true
        }
      }
      const x509Ready = once()
      const jwtReady = once()
      return [
        client.watchX509Bundles((bundles) => {
          source.x509 = new Map([...bundles].map(([name, b]) => [name, toX509Bundle(b)]))
          source.emit('updated')
          x509Ready()
        }, failed),
        client.watchJwtBundles((bundles) => {
          source.jwt = new Map([...bundles].map(([name, b]) => [name, toJwtBundle(b)]))
          source.emit('updated')
          jwtReady()
        }, failed),
      ]
    })
    return source
  }

  private lookup<T>(map: ReadonlyMap<string, T>, kind: string, trustDomain: TrustDomain): T {
    this.core?.checkClosed()
    const bundle = map.get(trustDomain.name)
    if (bundle === undefined) throw new NotFoundError(`bundlesource: no ${kind} bundle for trust domain ${JSON.stringify(trustDomain.name)}`)
    return bundle
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.lookup(this.x509, 'X.509', trustDomain)
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.lookup(this.jwt, 'JWT', trustDomain)
  }

  /** Both halves of a trust domain's bundle; throws when the source holds neither. */
  getBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle {
    this.core?.checkClosed()
    const x509 = this.x509.get(trustDomain.name)
    const jwt = this.jwt.get(trustDomain.name)
    if (x509 === undefined && jwt === undefined) {
      throw new NotFoundError(`bundlesource: no SPIFFE bundle for trust domain ${JSON.stringify(trustDomain.name)}`)
    }
    return new SpiffeBundle(trustDomain, {
      x509Authorities: x509?.x509Authorities() ?? [],
      jwtAuthorities: jwt?.jwtAuthorities() ?? new Map(),
    })
  }

  /** Every X.509 bundle, sorted by trust domain name. */
  x509Bundles(): readonly X509Bundle[] {
    this.core?.checkClosed()
    return [...this.x509.values()]
  }

  close(): void {
    this.core?.close()
    this.removeAllListeners()
  }
}
