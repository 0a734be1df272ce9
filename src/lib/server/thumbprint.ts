/**
 * The OIDC thumbprint AWS IAM asks for (teleport.md §8): SHA-1 over the DER of the LAST certificate the
 * server presents (the top intermediate, or the leaf itself when it is self-signed), 40 lowercase hex.
 *
 * Like AWS we take the chain as presented and do not verify it: the thumbprint describes what the server
 * sends, trusted or not. (Teleport's own proxy verifies against system roots unless in insecure dev
 * mode; a private-CA proxy then cannot compute it at all, which is not useful here.)
 */
import {createHash} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import {parseHostPort} from '../net/addr.js'
import {dialPresentedChain, type DialTarget} from './presented-chain.js'
import type {Route} from './router.js'

/** Port dialed when the address has none: the issuer URL is `https://<addr>` (teleport.md §8). */
export const THUMBPRINT_DEFAULT_PORT = 443
export const DEFAULT_THUMBPRINT_TIMEOUT_MS = 10_000

/** SHA-1 of the last certificate of a presented chain (DER, presented order). */
export function computeThumbprint(chainDer: readonly Buffer[]): string {
  const last = chainDer.at(-1)
  if (last === undefined) throw new BadParameterError('the server presented no certificates')
  return createHash('sha1').update(last).digest('hex')
}

/**
 * Where to dial for a thumbprint: `https://host[:port][/path]`, `host:port` or `host`; port 443 when
 * none is written.
 */
export function thumbprintTarget(hostPortOrUrl: string): DialTarget {
  const text = hostPortOrUrl.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)
  if (scheme === null) return parseHostPort(text, THUMBPRINT_DEFAULT_PORT)
  if (scheme[1]!.toLowerCase() !== 'https') {
    throw new BadParameterError(`"${hostPortOrUrl}": only https:// addresses have a thumbprint`)
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new BadParameterError(`"${hostPortOrUrl}" is not a valid URL`)
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
 * `GET /webapi/thumbprint`: the proxy dials its own public address (as written in the config, e.g.
 * `NetAddr.raw`; 443 when it has no port) and returns the thumbprint as a JSON string.
 */
export function thumbprintRoute<C>(publicAddr: string | (() => string), options: {timeoutMs?: number} = {}): Route<C> {
  return {
    method: 'GET',
    path: '/webapi/thumbprint',
    auth: 'none',
    handler: () => fetchThumbprint(typeof publicAddr === 'string' ? publicAddr : publicAddr(), options),
  }
}
