/**
 * X509Source (go-spiffe v2/workloadapi/x509source.go): the workload's X509-SVIDs and X.509 bundles,
 * kept current by a FetchX509SVID stream that reconnects with backoff. What tlsconfig reads on
 * every handshake, so a rotation reaches the next connection without a restart.
 */
import {EventEmitter} from 'node:events'
import {NotFoundError} from '../../errors.js'
import type {X509BundleSource} from '../../spiffe/bundle.js'
import type {TrustDomain} from '../../spiffe/id.js'
import type {X509Bundle} from '../../spiffe/x509-bundle.js'
import type {X509Svid} from '../../spiffe/x509-svid.js'
import type {X509Context} from '../parse.js'
import {SourceCore, type SourceEvents, type SourceOptions} from './common.js'
import {toX509Bundle, toX509Svid} from './convert.js'

/** X509Source.create() options: the common ones and the SVID picker. */
export interface X509SourceOptions extends SourceOptions {
  /** Picks the SVID `getX509Svid()` returns when there are several (go-spiffe `WithDefaultX509SVIDPicker`); default the first. */
  readonly picker?: (svids: readonly X509Svid[]) => X509Svid
}

/**
 * The workload's X509-SVIDs and bundles from the Workload API, always current.
 *
 * @example
 * ```ts
 * import {X509Source} from 'svidkit'
 * // SPIFFE_ENDPOINT_SOCKET=unix:///run/tbot/workload.sock
 * const source = await X509Source.create()
 * source.on('updated', () => console.log('now', source.getX509Svid().id.toString()))
 * // … use it with mtlsServerConfig / mtlsClientConfig …
 * source.close()
 * ```
 */
export class X509Source extends EventEmitter<SourceEvents> implements X509BundleSource {
  private svids: readonly X509Svid[] = []
  private bundles: ReadonlyMap<string, X509Bundle> = new Map()

  private constructor(private readonly picker: ((svids: readonly X509Svid[]) => X509Svid) | undefined) {
    super()
  }

  private core: SourceCore | undefined

  /**
   * Connects (address from `options.address` or SPIFFE_ENDPOINT_SOCKET) and resolves once the first
   * X.509 context has arrived. Rejects on a bad address, on InvalidArgument from the server, or
   * after `initialTimeoutMs`.
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const source = new X509Source(options.picker)
    source.core = await SourceCore.open('x509source', options, 1, (client, ready, failed) => [
      client.watchX509Context((context) => {
        source.apply(context)
        ready()
      }, failed),
    ])
    return source
  }

  private apply(context: X509Context): void {
    this.svids = context.svids.map(toX509Svid)
    this.bundles = new Map([...context.bundles].map(([name, b]) => [name, toX509Bundle(b)]))
    this.emit('updated')
  }

  private live(): SourceCore {
    this.core?.checkClosed()
    return this.core as SourceCore
  }

  /** The default X509-SVID (the first, or the picker's choice). Throws once closed. */
  getX509Svid(): X509Svid {
    this.live()
    const svid = this.picker !== undefined ? this.picker(this.svids) : this.svids[0]
    if (svid === undefined) throw new NotFoundError('x509source: missing X509-SVID')
    return svid
  }

  /** Every X509-SVID the workload holds, the default first. */
  getX509Svids(): readonly X509Svid[] {
    this.live()
    return this.svids
  }

  /** The X.509 bundle of a trust domain (the workload's own and any federated one). */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    this.live()
    const bundle = this.bundles.get(trustDomain.name)
    if (bundle === undefined) throw new NotFoundError(`x509source: no X.509 bundle for trust domain ${JSON.stringify(trustDomain.name)}`)
    return bundle
  }

  /** Every X.509 bundle the workload trusts (its own trust domain's and any federated one), by trust domain name. */
  x509Bundles(): readonly X509Bundle[] {
    this.live()
    return [...this.bundles.values()]
  }

  /** Stops watching; closes the client unless it was passed in. Later calls throw `x509source: source is closed`. */
  close(): void {
    this.core?.close()
    this.removeAllListeners()
  }
}
