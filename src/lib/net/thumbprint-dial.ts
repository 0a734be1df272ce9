/**
 * The OIDC thumbprint AWS IAM asks for: SHA-1 over the DER of the LAST certificate the server presents
 * (the top intermediate, or the leaf itself when it is self-signed), 40 lowercase hex. This is
 * Teleport's `ThumbprintIdP` (lib/integrations/awsoidc/idp_thumbprint.go): the last of Go's
 * `ConnectionState().PeerCertificates`, which are the certificates in the order the server sent them,
 * as AWS's guide reads them off `openssl s_client -showcerts`.
 *
 * Like AWS we take the chain as presented and do not verify it: the thumbprint describes what the server
 * sends, trusted or not. (Teleport verifies against system roots unless in insecure dev mode; a
 * private-CA proxy then cannot compute it at all, which is not useful here.)
 */
import {createHash} from 'node:crypto'
import {isIP} from 'node:net'
import {connect, type TLSSocket} from 'node:tls'
import {BadParameterError, ConnectionProblemError} from '../errors.js'

/** Port dialed when the address has none: the issuer URL is `https://<addr>`. */
export const THUMBPRINT_DEFAULT_PORT = 443
export const DEFAULT_THUMBPRINT_TIMEOUT_MS = 10_000

export interface DialTarget {
  /** Host name or IP literal, without brackets. */
  readonly host: string
  readonly port: number
}

/** SHA-1 of the last certificate of a presented chain (DER, presented order). */
export function computeThumbprint(chainDer: readonly Buffer[]): string {
  const last = chainDer.at(-1)
  if (last === undefined) throw new BadParameterError('the server presented no certificates')
  return createHash('sha1').update(last).digest('hex')
}

/**
 * Where to dial for a thumbprint: `https://host[:port][/path]`, `host:port` or `host`; port 443 when
 * none is written. Both forms are read by WHATWG URL (a bare address as `https://<address>`).
 */
export function thumbprintTarget(hostPortOrUrl: string): DialTarget {
  const text = hostPortOrUrl.trim()
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
  let url: URL
  try {
    url = new URL(hasScheme ? text : `https://${text}`)
  } catch {
    throw new BadParameterError(`"${hostPortOrUrl}" is not a valid URL or host[:port]`)
  }
  if (url.protocol !== 'https:') throw new BadParameterError(`"${hostPortOrUrl}": only https:// addresses have a thumbprint`)
  if (!hasScheme && (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')) {
    throw new BadParameterError(`"${hostPortOrUrl}": write host[:port] or an https:// URL`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return {host, port: url.port === '' ? THUMBPRINT_DEFAULT_PORT : Number(url.port)}
}

/** TLS-dial the address and compute the thumbprint of what it presents. */
export async function fetchThumbprint(hostPortOrUrl: string, options: {timeoutMs?: number} = {}): Promise<string> {
  const chain = await dialPresentedChain(thumbprintTarget(hostPortOrUrl), {timeoutMs: options.timeoutMs ?? DEFAULT_THUMBPRINT_TIMEOUT_MS})
  return computeThumbprint(chain)
}

/**
 * TLS-dial a server and return the certificates it presented (DER), in the order it presented them.
 *
 * Read through `getPeerX509Certificate()` and its `issuerCertificate` links: Node builds that list from
 * OpenSSL's `SSL_get_peer_cert_chain`, the chain as received, one link per certificate (node
 * src/crypto/crypto_x509.cc, `X509Certificate::GetPeerCert`). The legacy `getPeerCertificate(true)` is
 * not the presented chain: it re-links certificates by issuer, dropping unrelated or out-of-order ones,
 * and appends an issuer from the client's trust store when the store holds one (`ca`,
 * NODE_EXTRA_CA_CERTS), so we do not use it. Node hands the peer chain over to the first
 * `getPeerX509Certificate()` call (a second call returns nothing), so it is read exactly once.
 */
export async function dialPresentedChain(target: DialTarget, options: {readonly timeoutMs: number}): Promise<Buffer[]> {
  const where = formatTarget(target)
  // SNI goes out for host names only (RFC 6066 §3): node:tls leaves it off for an IP literal, as openssl s_client does.
  const socket = connect({host: target.host, port: target.port, rejectUnauthorized: false})
  try {
    await handshake(socket, where, options.timeoutMs)
    return presentedChain(socket)
  } finally {
    socket.destroy()
  }
}

function presentedChain(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = []
  for (let cert = socket.getPeerX509Certificate(); cert !== undefined; cert = cert.issuerCertificate) {
    chain.push(cert.raw)
  }
  return chain
}

function handshake(socket: TLSSocket, where: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err: Error | undefined): void => {
      clearTimeout(timer)
      socket.removeListener('error', onError)
      socket.removeListener('close', onClose)
      socket.removeListener('secureConnect', onSecure)
      socket.on('error', () => {}) // the socket is torn down next; late errors are irrelevant
      if (err === undefined) return resolve()
      reject(err instanceof ConnectionProblemError ? err : new ConnectionProblemError(`${where}: ${err.message}`, {cause: err}))
    }
    const onError = (err: Error): void => settle(err)
    const onClose = (): void => settle(new Error('connection closed during the TLS handshake'))
    const onSecure = (): void => settle(undefined)
    const timer = setTimeout(() => settle(new ConnectionProblemError(`${where}: TLS handshake did not complete within ${timeoutMs} ms`)), timeoutMs)
    socket.once('error', onError)
    socket.once('close', onClose)
    socket.once('secureConnect', onSecure)
  })
}

/** `host:port`, bracketing an IPv6 literal. */
function formatTarget(target: DialTarget): string {
  return isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
}
