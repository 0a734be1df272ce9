/**
 * The part of Go's `net/url.Parse` that go-spiffe's address check depends on (spec/spiffe.md §4.5):
 * the same split into scheme, opaque, userinfo, host, path, query and fragment, and the same parse
 * errors, so `SPIFFE_ENDPOINT_SOCKET` values are accepted and rejected exactly as go-spiffe does.
 */

export interface GoUrl {
  readonly scheme: string
  readonly opaque: string
  readonly hasUser: boolean
  readonly host: string
  /** Unescaped. */
  readonly path: string
  readonly rawQuery: string
  /** Unescaped. */
  readonly fragment: string
}

export class GoUrlError extends Error {}

/** Go's `%q` for the ASCII strings this module quotes. */
export function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\\u007f/g, '\\x7f').replace(/\\u00([0-1][0-9a-f])/g, '\\x$1')
}

/** `url.Parse(raw)`; a failure is `parse "<raw>": <reason>` as Go's *url.Error prints it. */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#')
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash)
  let url: Omit<GoUrl, 'fragment'>
  try {
    url = parseWithoutFragment(beforeFragment)
  } catch (err) {
    throw wrap(beforeFragment, err)
  }
  if (hash < 0) return {...url, fragment: ''}
  try {
    return {...url, fragment: unescape(raw.slice(hash + 1), 'fragment')}
  } catch (err) {
    throw wrap(raw, err)
  }
}

function wrap(raw: string, err: unknown): GoUrlError {
  const reason = err instanceof Error ? err.message : String(err)
  return new GoUrlError(`parse ${goQuote(raw)}: ${reason}`)
}

function parseWithoutFragment(raw: string): Omit<GoUrl, 'fragment'> {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error('net/url: invalid control character in URL')
  const [scheme, afterScheme] = splitScheme(raw)
  let rest = afterScheme
  let rawQuery = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    rawQuery = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  const base = {scheme: scheme.toLowerCase(), opaque: '', hasUser: false, host: '', path: '', rawQuery}
  if (!rest.startsWith('/')) {
    if (scheme !== '') return {...base, opaque: rest}
    if ((rest.split('/')[0] ?? '').includes(':')) throw new Error('first path segment in URL cannot contain colon')
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2)
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash)
    rest = slash < 0 ? '' : rest.slice(slash)
    const {hasUser, host} = parseAuthority(authority)
    return {...base, hasUser, host, path: unescape(rest, 'path')}
  }
  return {...base, path: unescape(rest, 'path')}
}

function splitScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (/[a-zA-Z]/.test(c)) continue
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return ['', raw]
      continue
    }
    if (c === ':') {
      if (i === 0) throw new Error('missing protocol scheme')
      return [raw.slice(0, i), raw.slice(i + 1)]
    }
    return ['', raw]
  }
  return ['', raw]
}

function parseAuthority(authority: string): {hasUser: boolean; host: string} {
  const at = authority.lastIndexOf('@')
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1))
  if (at < 0) return {hasUser: false, host}
  const userinfo = authority.slice(0, at)
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new Error('net/url: invalid userinfo')
  for (const part of userinfo.split(':', 2)) unescape(part, 'userinfo')
  return {hasUser: true, host}
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']')
    if (close < 0) throw new Error("missing ']' in host")
    checkOptionalPort(host.slice(close + 1))
  } else {
    const colon = host.lastIndexOf(':')
    if (colon >= 0) checkOptionalPort(host.slice(colon))
  }
  return unescape(host, 'host')
}

function checkOptionalPort(colonPort: string): void {
  if (!isValidOptionalPort(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`)
}

export function isValidOptionalPort(colonPort: string): boolean {
  return colonPort === '' || /^:[0-9]*$/.test(colonPort)
}

type EscapeMode = 'path' | 'host' | 'userinfo' | 'fragment'

/** Characters a host may hold unescaped (Go's shouldEscape in encodeHost mode, ASCII only). */
const HOST_CHARS = /^[A-Za-z0-9!$&'()*+,;=:[\]<>"\-_.~]$/

function unescape(text: string, mode: EscapeMode): string {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`invalid URL escape ${goQuote(text.slice(i, i + 3))}`)
      if (mode === 'host' && parseInt(hex[0] as string, 16) < 8 && hex !== '25') {
        throw new Error(`invalid URL escape ${goQuote('%' + hex)}`)
      }
      bytes.push(parseInt(hex, 16))
      i += 2
      continue
    }
    if (mode === 'host' && c < 0x80 && !HOST_CHARS.test(text[i] as string)) {
      throw new Error(`invalid character ${goQuote(text[i] as string)} in host name`)
    }
    bytes.push(...Buffer.from(text[i] as string, 'utf8'))
  }
  return Buffer.from(bytes).toString('utf8')
}

/** Go's `URL.Hostname()` and `URL.Port()`: the host without brackets, and the port (maybe ''). */
export function splitGoHostPort(hostPort: string): {hostname: string; port: string} {
  let hostname = hostPort
  let port = ''
  const colon = hostname.lastIndexOf(':')
  if (colon >= 0 && isValidOptionalPort(hostname.slice(colon))) {
    port = hostname.slice(colon + 1)
    hostname = hostname.slice(0, colon)
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1)
  return {hostname, port}
}
