/**
 * Mutual TLS: the server asks every client for a certificate but lets the handshake finish without one
 * (`requestCert: true, rejectUnauthorized: false`), so public endpoints work for anyone. OpenSSL still
 * verifies a presented certificate against the client CAs and records the verdict in `socket.authorized`;
 * only a verified certificate is handed to the injected `authenticate`, which turns it into a caller.
 */
import type {X509Certificate} from 'node:crypto'
import type {TLSSocket} from 'node:tls'
import {UnauthenticatedError} from '../errors.js'
import type {Route} from './router.js'

/** A client certificate that chains to one of the server's client CAs and is within its validity. */
export interface VerifiedPeer {
  readonly certificate: X509Certificate
  readonly remoteAddress: string | undefined
}

/** Turns a verified client certificate into the caller's identity; throws a typed error to refuse it. */
export type Authenticate<C> = (peer: VerifiedPeer) => C | Promise<C>

/** A connection's verified caller, until its certificate expires (the server disables renegotiation). */
interface Verified {
  readonly caller: unknown
  readonly notAfterMs: number
}

const verifiedSockets = new WeakMap<TLSSocket, Verified>()

/**
 * The caller for a request on this socket, per the route's `auth` (router.ts). `authenticate` runs
 * once per connection (keep-alive connections carry many requests) and must depend only on the
 * certificate; the certificate's expiry is still checked at every request.
 */
export async function resolveCaller<C>(socket: TLSSocket, auth: Route<C>['auth'], authenticate: Authenticate<C> | undefined): Promise<C | undefined> {
  if (auth === 'none') return undefined
  const verified = verifiedSockets.get(socket)
  if (verified !== undefined) {
    if (Date.now() > verified.notAfterMs) throw new UnauthenticatedError('client certificate rejected: CERT_HAS_EXPIRED')
    return verified.caller as C
  }
  const certificate = socket.getPeerX509Certificate()
  if (certificate === undefined) {
    if (auth === 'required') throw new UnauthenticatedError('this endpoint requires a client certificate')
    return undefined
  }
  if (!socket.authorized) {
    // The verdict names the failure (CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, ...): useful to
    // the operator, and it discloses nothing the client could not find out from its own certificate.
    throw new UnauthenticatedError(`client certificate rejected: ${String(socket.authorizationError)}`)
  }
  if (authenticate === undefined) throw new TypeError('a route needs a caller but the server has no authenticate hook')
  const caller = await authenticate({certificate, remoteAddress: socket.remoteAddress})
  verifiedSockets.set(socket, {caller, notAfterMs: Date.parse(certificate.validTo)})
  return caller
}
