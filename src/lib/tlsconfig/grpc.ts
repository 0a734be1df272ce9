/**
 * grpc-js credentials on the same sources and checks as the TLS configs. grpc-js's certificate
 * providers (`experimental.createCertificateProvider{Channel,Server}Credentials`) take a new SVID or
 * bundle for the next connection, so a channel or server outlives rotations. The client checks the
 * server in `checkServerIdentity` (verify-peer.ts); the server checks each call's peer in an
 * interceptor before the handler sees metadata or a message, answering PERMISSION_DENIED
 * (grpc-js reports the leaf only there, so a client chain with intermediates is refused: fail closed).
 * grpc-js is loaded on first use (the package root does not pull it in), or passed in as `grpc` to
 * use the application's own copy (credentials only work with the grpc-js instance that made them).
 */
import type * as Grpc from '@grpc/grpc-js'
import type {Authorizer} from './authorizer.js'
import {checkServer} from './client.js'
import {allAuthorities, type X509BundleListSource, type X509SvidSource} from './sources.js'
import {peerChain, verifyPeer} from './verify-peer.js'

type GrpcModule = typeof Grpc
type Listener<T> = (update: T | null) => void

/** Something that says when it changed (X509Source, WorkloadBundleSource); static sources need not. */
interface Updating {
  on(event: 'updated', listener: () => void): unknown
  off(event: 'updated', listener: () => void): unknown
}
const updating = (source: object | undefined): Updating | undefined =>
  source !== undefined && typeof (source as Partial<Updating>).on === 'function' ? source as Updating : undefined

/** A grpc-js CertificateProvider fed from the sources, pushing every update to its listeners. */
class SourceCertificateProvider implements Grpc.experimental.CertificateProvider {
  private readonly ca = new Set<Listener<Grpc.experimental.CaCertificateUpdate>>()
  private readonly identity = new Set<Listener<Grpc.experimental.IdentityCertificateUpdate>>()
  private readonly onUpdate = (): void => this.push()

  constructor(private readonly svidSource: X509SvidSource | undefined, private readonly bundleSource: X509BundleListSource) {}

  /** null (grpc-js: nothing loaded, no new connections) when the source has nothing, e.g. once closed. */
  private caUpdate(): Grpc.experimental.CaCertificateUpdate | null {
    try {
      return {caCertificate: Buffer.from(allAuthorities(this.bundleSource).map((c) => c.toString()).join(''))}
    } catch {
      return null
    }
  }

  private identityUpdate(): Grpc.experimental.IdentityCertificateUpdate | null {
    if (this.svidSource === undefined) return null
    try {
      const pem = this.svidSource.getX509Svid().marshal()
      return {certificate: Buffer.from(pem.certificates), privateKey: Buffer.from(pem.privateKey)}
    } catch {
      return null
    }
  }

  private push(): void {
    for (const l of this.ca) l(this.caUpdate())
    for (const l of this.identity) l(this.identityUpdate())
  }

  private watch(): void {
    if (this.ca.size + this.identity.size !== 1) return
    for (const s of new Set([updating(this.svidSource), updating(this.bundleSource)])) s?.on('updated', this.onUpdate)
  }

  private unwatch(): void {
    if (this.ca.size + this.identity.size !== 0) return
    for (const s of new Set([updating(this.svidSource), updating(this.bundleSource)])) s?.off('updated', this.onUpdate)
  }

  addCaCertificateListener(listener: Listener<Grpc.experimental.CaCertificateUpdate>): void {
    this.ca.add(listener)
    this.watch()
    // Asynchronously, as grpc-js's own providers do: its server credentials register their watcher
    // only after adding the listener, and would miss a synchronous first update.
    queueMicrotask(() => {
      if (this.ca.has(listener)) listener(this.caUpdate())
    })
  }

  removeCaCertificateListener(listener: Listener<Grpc.experimental.CaCertificateUpdate>): void {
    this.ca.delete(listener)
    this.unwatch()
  }

  addIdentityCertificateListener(listener: Listener<Grpc.experimental.IdentityCertificateUpdate>): void {
    this.identity.add(listener)
    this.watch()
    queueMicrotask(() => {
      if (this.identity.has(listener)) listener(this.identityUpdate())
    })
  }

  removeIdentityCertificateListener(listener: Listener<Grpc.experimental.IdentityCertificateUpdate>): void {
    this.identity.delete(listener)
    this.unwatch()
  }
}

const loadGrpc = async (grpc: GrpcModule | undefined): Promise<GrpcModule> => grpc ?? await import('@grpc/grpc-js')

/**
 * Channel credentials for SPIFFE mTLS: the client's current SVID, the server verified and authorized.
 *
 * @example
 * ```ts
 * import * as grpc from '@grpc/grpc-js'
 * import {X509Source, authorizeID, grpcChannelCredentials} from 'svidkit'
 * const source = await X509Source.create()
 * const creds = await grpcChannelCredentials(source, source, authorizeID('spiffe://example.org/api'), {grpc})
 * const client = new MyServiceClient('10.0.0.7:50051', creds)
 * ```
 */
export async function grpcChannelCredentials(
  svidSource: X509SvidSource | undefined, bundleSource: X509BundleListSource, authorizer: Authorizer, options: {grpc?: GrpcModule} = {},
): Promise<Grpc.ChannelCredentials> {
  const grpc = await loadGrpc(options.grpc)
  const provider = new SourceCertificateProvider(svidSource, bundleSource)
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, svidSource === undefined ? null : provider, {
    checkServerIdentity: checkServer(bundleSource, authorizer),
  })
}

/** The interceptor that refuses a call whose peer is not an authorized SVID of its trust domain. */
function authorizingInterceptor(grpc: GrpcModule, bundleSource: X509BundleListSource, authorizer: Authorizer): Grpc.ServerInterceptor {
  return (_method, call) => {
    const listener = new grpc.ServerListenerBuilder().withOnReceiveMetadata((metadata, next) => {
      const cert = call.getAuthContext().sslPeerCertificate
      try {
        if (cert === undefined) throw new Error('no client certificate')
        verifyPeer(peerChain(cert), bundleSource, authorizer)
      } catch (err) {
        call.sendStatus({code: grpc.status.PERMISSION_DENIED, details: (err as Error).message})
        return
      }
      next(metadata)
    }).build()
    return new grpc.ServerInterceptingCall(call, new grpc.ResponderBuilder().withStart((next) => next(listener)).build())
  }
}

/**
 * Server credentials for SPIFFE mTLS: the server's current SVID, client certificates required and
 * verified by OpenSSL against the bundles, each call's peer then bound to its trust domain and authorized.
 *
 * @example
 * ```ts
 * import * as grpc from '@grpc/grpc-js'
 * import {X509Source, authorizeMemberOf, grpcServerCredentials} from 'svidkit'
 * const source = await X509Source.create()
 * const server = new grpc.Server()
 * server.addService(MyService, handlers)
 * server.bindAsync('0.0.0.0:50051', await grpcServerCredentials(source, source, authorizeMemberOf('example.org'), {grpc}), () => {})
 * ```
 */
export async function grpcServerCredentials(
  svidSource: X509SvidSource, bundleSource: X509BundleListSource, authorizer: Authorizer, options: {grpc?: GrpcModule} = {},
): Promise<Grpc.ServerCredentials> {
  const grpc = await loadGrpc(options.grpc)
  const provider = new SourceCertificateProvider(svidSource, bundleSource)
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true)
  return grpc.experimental.createServerCredentialsWithInterceptors(credentials, [authorizingInterceptor(grpc, bundleSource, authorizer)])
}
