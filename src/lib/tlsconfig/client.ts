/**
 * Client configs (go-spiffe v2/spiffetls/tlsconfig/config.go `MTLSClientConfig`, `TLSClientConfig`)
 * for tls.connect and https.request. The server's certificate is checked by OpenSSL against every
 * bundle authority (never Node's CA store), then in `checkServerIdentity` — which replaces the
 * hostname check, as go-spiffe's clients skip it too — against its own trust domain's bundle and the
 * authorizer; a failure there makes Node destroy the socket before 'secureConnect'. The secure
 * context and the https agent are getters, read on each connection, so rotations apply at once;
 * sessions are never resumed (Node skips checkServerIdentity on a resumed session).
 */
import {Agent as HttpsAgent, type AgentOptions} from 'node:https'
import type {Duplex} from 'node:stream'
import type {ConnectionOptions, PeerCertificate, SecureContext} from 'node:tls'
import type {Authorizer} from './authorizer.js'
import {ContextCache, type X509BundleListSource, type X509SvidSource} from './sources.js'
import {peerChain, verifyPeer} from './verify-peer.js'

/** Options for tls.connect / https.request (spread them: `{...config, host, port}`); `agent` is for https. */
export type ClientTlsConfig = ConnectionOptions & {
  readonly secureContext: SecureContext
  readonly agent: HttpsAgent
}

/** Node's hook signature: an Error refuses the server. */
export function checkServer(bundleSource: X509BundleListSource, authorizer: Authorizer): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    try {
      verifyPeer(peerChain(cert), bundleSource, authorizer)
      return undefined
    } catch (err) {
      return err as Error
    }
  }
}

/** An https agent whose every connection takes the config's current context; it caches no TLS sessions. */
class SpiffeHttpsAgent extends HttpsAgent {
  constructor(private readonly fresh: () => ConnectionOptions, options: AgentOptions) {
    super({...options, maxCachedSessions: 0})
  }

  override createConnection(options: ConnectionOptions, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    const create = HttpsAgent.prototype.createConnection as (this: HttpsAgent, o: ConnectionOptions, cb?: unknown) => Duplex
    return create.call(this, {...options, ...this.fresh()}, callback)
  }
}

function clientConfig(cache: ContextCache, bundleSource: X509BundleListSource, authorizer: Authorizer, agentOptions: AgentOptions): ClientTlsConfig {
  const fixed: ConnectionOptions = {
    rejectUnauthorized: true,
    checkServerIdentity: checkServer(bundleSource, authorizer),
    minVersion: 'TLSv1.2',
    session: undefined,
  }
  const fresh = (): ConnectionOptions => ({...fixed, secureContext: cache.current().context})
  let agent: HttpsAgent | undefined
  const config = {...fixed} as ClientTlsConfig
  Object.defineProperty(config, 'secureContext', {get: () => cache.current().context, enumerable: true})
  Object.defineProperty(config, 'agent', {get: () => (agent ??= new SpiffeHttpsAgent(fresh, agentOptions)), enumerable: true})
  return config
}

/**
 * Mutual TLS for a client: presents the current SVID and accepts only a server whose SVID is valid
 * for its trust domain's bundle and allowed by the authorizer. `agentOptions` shape the https agent
 * the config carries (keepAlive, maxSockets…).
 *
 * @example
 * ```ts
 * import https from 'node:https'
 * import {X509Source, authorizeID, mtlsClientConfig} from 'svidkit'
 * const source = await X509Source.create()
 * const config = mtlsClientConfig(source, source, authorizeID('spiffe://example.org/server'))
 * https.get({...config, host: '127.0.0.1', port: 8443, path: '/'}, (res) => res.pipe(process.stdout))
 * ```
 */
export function mtlsClientConfig(
  svidSource: X509SvidSource, bundleSource: X509BundleListSource, authorizer: Authorizer, agentOptions: AgentOptions = {},
): ClientTlsConfig {
  return clientConfig(new ContextCache(svidSource, bundleSource), bundleSource, authorizer, agentOptions)
}

/**
 * One-sided TLS for a client: no client certificate; the server must present an SVID valid for its
 * trust domain's bundle and allowed by the authorizer.
 *
 * @example
 * ```ts
 * import tls from 'node:tls'
 * import {WorkloadBundleSource, authorizeMemberOf, tlsClientConfig} from 'svidkit'
 * const config = tlsClientConfig(await WorkloadBundleSource.create(), authorizeMemberOf('example.org'))
 * const socket = tls.connect({...config, host: '10.0.0.7', port: 4433}, () => socket.end('ping'))
 * ```
 */
export function tlsClientConfig(bundleSource: X509BundleListSource, authorizer: Authorizer, agentOptions: AgentOptions = {}): ClientTlsConfig {
  return clientConfig(new ContextCache(undefined, bundleSource), bundleSource, authorizer, agentOptions)
}
