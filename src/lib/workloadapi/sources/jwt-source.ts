/**
 * JwtSource (go-spiffe v2/workloadapi/jwtsource.go): JWT-SVIDs fetched on demand for an audience,
 * and the JWT bundles of every trust domain kept current by a FetchJWTBundles stream, for validating
 * the JWT-SVIDs that peers present.
 */
import {EventEmitter} from 'node:events'
import {BundleSet, type JwtBundleSource} from '../../spiffe/bundle.js'
import type {TrustDomain} from '../../spiffe/id.js'
import type {JwtBundle} from '../../spiffe/jwt-bundle.js'
import {JwtSvid} from '../../spiffe/jwt-svid.js'
import type {JwtSvidParams} from '../client.js'
import {SourceCore, type SourceEvents, type SourceOptions} from './common.js'
import {toJwtBundle} from './convert.js'

/**
 * JWT-SVIDs from the Workload API and the JWT bundles to validate them.
 *
 * @example
 * ```ts
 * import {JwtSource, TrustDomain} from 'svidkit'
 * const source = await JwtSource.create({address: 'unix:///run/tbot/workload.sock'})
 * const svid = await source.fetchJwtSvid({audience: 'https://api.example.com'})
 * await fetch('https://api.example.com/', {headers: {authorization: `Bearer ${svid.marshal()}`}})
 * const bundle = source.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))
 * source.close()
 * ```
 */
export class JwtSource extends EventEmitter<SourceEvents> implements JwtBundleSource {
  private bundles = new BundleSet()
  private core: SourceCore | undefined

  private constructor() {
    super()
  }

  /** Connects and resolves once the first JWT bundles have arrived. */
  static async create(options: SourceOptions = {}): Promise<JwtSource> {
    const source = new JwtSource()
    source.core = await SourceCore.open('jwtsource', options, 1, (client, ready, failed) => [
      client.watchJwtBundles((bundles) => {
        source.bundles = new BundleSet([...bundles.values()].map(toJwtBundle))
        source.emit('updated')
        ready()
      }, failed),
    ])
    return source
  }

  private live(): SourceCore {
    this.core?.checkClosed()
    return this.core as SourceCore
  }

  /** A JWT-SVID for `audience` (and `extraAudiences`), the default identity or `subject`'s. */
  async fetchJwtSvid(params: JwtSvidParams): Promise<JwtSvid> {
    return (await this.fetchJwtSvids(params))[0] as JwtSvid
  }

  /** Every JWT-SVID the workload is entitled to for the audience. */
  async fetchJwtSvids(params: JwtSvidParams): Promise<JwtSvid[]> {
    const svids = await this.live().workloadApiClient.fetchJwtSvids(params)
    return svids.map((svid) => {
      const parsed = JwtSvid.parseInsecure(svid.token, svid.audience)
      return svid.hint === '' ? parsed : parsed.withHint(svid.hint)
    })
  }

  /** The JWT bundle of a trust domain, for `JwtSvid.parseAndValidate`. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    this.live()
    return this.bundles.getJwtBundleForTrustDomain(trustDomain)
  }

  close(): void {
    this.core?.close()
    this.removeAllListeners()
  }
}
