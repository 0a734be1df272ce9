/**
 * `host[:port]` addresses as Teleport's config writes them (`0.0.0.0:3080`, `teleport.example.com`,
 * `[::1]:3080`). A port is filled from a default when absent; `raw` keeps what was written, because
 * some consumers default differently (the thumbprint dial uses 443, Teleport's lib/web/apiserver.go and lib/web/spiffe.go).
 */
import {isIP} from 'node:net'
import {BadParameterError} from '../errors.js'

export interface NetAddr {
  /** Host name or IP literal, without brackets. */
  readonly host: string
  readonly port: number
  /** Whether the port was written (false: it came from the default). */
  readonly explicitPort: boolean
  /** The address as written. */
  readonly raw: string
}

export function parseHostPort(raw: string, defaultPort: number): NetAddr {
  const text = raw.trim()
  if (text === '') throw new BadParameterError('address is empty')
  if (text.includes('://')) throw new BadParameterError(`address "${raw}": write host[:port], without a scheme`)
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) throw new BadParameterError(`address "${raw}": missing "]" after an IPv6 address`)
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) throw new BadParameterError(`address "${raw}": unexpected text after "]"`)
    portText = rest === '' ? undefined : rest.slice(1)
    if (isIP(host) !== 6) throw new BadParameterError(`address "${raw}": "${host}" is not an IPv6 address`)
  } else {
    const colons = text.split(':').length - 1
    if (colons > 1) throw new BadParameterError(`address "${raw}": an IPv6 address needs brackets, e.g. [::1]:3080`)
    ;[host, portText] = colons === 1 ? (text.split(':') as [string, string]) : [text, undefined]
  }
  if (host === '') throw new BadParameterError(`address "${raw}": host is empty`)
  if (/[\s/?#@]/.test(host)) throw new BadParameterError(`address "${raw}": invalid host "${host}"`)
  const port = portText === undefined ? defaultPort : parsePort(raw, portText)
  return {host, port, explicitPort: portText !== undefined, raw: text}
}

function parsePort(raw: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new BadParameterError(`address "${raw}": invalid port "${text}"`)
  const port = Number(text)
  if (port < 1 || port > 65535) throw new BadParameterError(`address "${raw}": port ${port} is out of range 1-65535`)
  return port
}

/** `host:port`, bracketing IPv6 literals. */
export function formatHostPort(addr: {readonly host: string; readonly port: number}): string {
  return isIP(addr.host) === 6 ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`
}
