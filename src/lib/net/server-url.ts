/**
 * The server's address as users write it (`--auth-server`, `proxy_server:`, TELEPORT_AUTH_SERVER):
 * `host[:port]` as in Teleport, or an `https://` URL. One HTTPS listener serves everything, so the
 * default port is the proxy's web port.
 */
import {BadParameterError} from '../errors.js'
import {formatHostPort, parseHostPort} from './addr.js'

/** The proxy's web port (server/config.ts DEFAULT_WEB_PORT; not imported, that module loads the YAML parser). */
export const DEFAULT_SERVER_PORT = 3080

/** `https://host:port` (no path) of the server. */
export function serverUrl(text: string): string {
  const trimmed = text.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)
  if (scheme === null) return `https://${formatHostPort(parseHostPort(trimmed, DEFAULT_SERVER_PORT))}`
  if (scheme[1]!.toLowerCase() !== 'https') throw new BadParameterError(`server address "${text}": only https:// is supported`)
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new BadParameterError(`server address "${text}" is not a valid URL`)
  }
  if (url.username !== '' || url.password !== '') throw new BadParameterError(`server address "${text}": credentials do not belong in the URL`)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return `https://${formatHostPort({host, port: url.port === '' ? 443 : Number(url.port)})}`
}
