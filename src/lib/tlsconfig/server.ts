/**
 * Server configs (go-spiffe v2/spiffetls/tlsconfig/config.go `MTLSServerConfig`, `TLSServerConfig`)
 * for node:tls, node:https and node:http2 servers. Node has no per-handshake certificate hook
 * without SNI (go-spiffe's GetCertificate), nor a server-side verify hook, so the config is applied
 * to the server object by `attach(server)`, which wraps that server's `emit`:
 *  - on each 'connection' (before tls.Server builds the TLS socket) the secure context is brought
 *    up to date, so a rotated SVID or bundle serves the very next handshake;
 *  - on each 'secureConnection' the peer is verified and authorized *before* any listener (the
 *    HTTP or HTTP/2 layer) sees the socket; a refused peer's socket is destroyed unread and
 *    reported as 'tlsClientError'.
 * Until attached, the options carry no certificate, so a forgotten attach refuses every handshake.
 */
import {constants} from 'node:crypto'
import type {Server as TlsServer, TLSSocket, TlsOptions} from 'node:tls'
import type {Authorizer} from './authorizer.js'
import {ContextCache, type X509BundleListSource, type X509SvidSource} from './sources.js'
import {peerChain, verifyPeer} from './verify-peer.js'

/** Options for tls/https/http2 servers, plus `attach(server)`, which must be called on the server made with them. */
export type ServerTlsConfig = TlsOptions & {
  /** Applies the config to the server (see the module comment); returns the server. */
  attach<S extends TlsServer>(server: S): S
}

/** No session resumption: every connection is a full handshake, verified and authorized afresh. */
const NO_RESUMPTION = constants.SSL_OP_NO_TICKET

function serverConfig(cache: ContextCache, check: ((socket: TLSSocket) => void) | undefined): ServerTlsConfig {
  const options: TlsOptions = {
    requestCert: check !== undefined,
    rejectUnauthorized: check !== undefined,
    secureOptions: NO_RESUMPTION,
    minVersion: 'TLSv1.2',
  }
  const attach = <S extends TlsServer>(server: S): S => {
    const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean
    let applied: unknown
    const refresh = (): void => {
      const {options: contextOptions, context} = cache.current()
      if (context === applied) return
      server.setSecureContext({...contextOptions, secureOptions: NO_RESUMPTION})
      applied = context
    }
    refresh()
    server.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'connection') {
        try {
          refresh()
        } catch (err) {
          // No current SVID (a closed source, say): refuse this connection, as go-spiffe's GetCertificate error does.
          (args[0] as {destroy(): void}).destroy()
          emit('tlsClientError', err, args[0])
          return false
        }
      }
      if (event === 'secureConnection' && check !== undefined) {
        const socket = args[0] as TLSSocket
        try {
          check(socket)
        } catch (err) {
          socket.destroy()
          emit('tlsClientError', err, socket)
          return false
        }
      }
      return emit(event, ...args)
    }) as S['emit']
    return server
  }
  Object.defineProperty(options, 'attach', {value: attach, enumerable: false})
  return options as ServerTlsConfig
}

/** The socket's peer: OpenSSL's verdict first, then verify-peer.ts. */
export function checkPeerSocket(socket: TLSSocket, bundleSource: X509BundleListSource, authorizer: Authorizer): void {
  if (!socket.authorized) throw new Error(`tls: peer not verified: ${String(socket.authorizationError ?? 'no certificate')}`)
  verifyPeer(peerChain(socket.getPeerCertificate(true)), bundleSource, authorizer)
}

/**
 * Mutual TLS for a server: presents the current SVID, requires a client SVID valid for its trust
 * domain's bundle, and admits only what the authorizer allows.
 *
 * @example
 * ```ts
 * import https from 'node:https'
 * import {X509Source, authorizeID, mtlsServerConfig} from 'svidkit'
 * const source = await X509Source.create()
 * const config = mtlsServerConfig(source, source, authorizeID('spiffe://example.org/client'))
 * const server = config.attach(https.createServer(config, (req, res) => res.end('hello\n')))
 * server.listen(8443)
 * ```
 */
export function mtlsServerConfig(svidSource: X509SvidSource, bundleSource: X509BundleListSource, authorizer: Authorizer): ServerTlsConfig {
  return serverConfig(new ContextCache(svidSource, bundleSource), (socket) => checkPeerSocket(socket, bundleSource, authorizer))
}

/**
 * One-sided TLS for a server: presents the current SVID, asks for no client certificate.
 *
 * @example
 * ```ts
 * import http2 from 'node:http2'
 * import {X509Source, tlsServerConfig} from 'svidkit'
 * const config = tlsServerConfig(await X509Source.create())
 * const server = config.attach(http2.createSecureServer(config, (req, res) => res.end('ok')))
 * ```
 */
export function tlsServerConfig(svidSource: X509SvidSource): ServerTlsConfig {
  return serverConfig(new ContextCache(svidSource, undefined), undefined)
}
