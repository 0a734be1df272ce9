/**
 * Workload API endpoint addresses (`SPIFFE_ENDPOINT_SOCKET`, `--path`, tbot's `listen`), checked as
 * go-spiffe's `TargetFromAddress` does (go-spiffe v2 workloadapi/addr.go, addr_posix.go), check for
 * check with its messages, over WHATWG URL (as rust-spiffe does with the `url` crate). Where WHATWG
 * would quietly change the address, we refuse it instead: control characters and surrounding spaces
 * (WHATWG strips them; Go refuses control characters). Deliberate differences from go-spiffe:
 * `unix://host…` is rejected, because the SPIFFE Workload Endpoint standard (§4) forbids an authority
 * and gRPC's unix resolver refuses one when dialing; the URL's reason for a parse failure is WHATWG's
 * (`Invalid URL`), not Go's; a port above 65535 fails to parse; and dot segments in a unix path are
 * resolved (`unix:///a/../b.sock` is `/b.sock`).
 */
import {BadParameterError} from '../errors.js'
import {canonicalIp, joinHostPort} from './ip.js'

export const SOCKET_ENV = 'SPIFFE_ENDPOINT_SOCKET'

export type WorkloadAddress =
  | {readonly network: 'unix'; readonly path: string}
  | {readonly network: 'tcp'; readonly host: string; readonly port: number}

const UNIX = 'workload endpoint unix socket URI'
const TCP = 'workload endpoint tcp socket URI'
const INVALID_SCHEME = 'workload endpoint socket URI must have a "tcp" or "unix" scheme'

function fail(message: string): never {
  throw new BadParameterError(message)
}

function invalidUri(address: string, reason: string): never {
  return fail(`workload endpoint socket is not a valid URI: ${JSON.stringify(address)}: ${reason}`)
}

/** Parses one address; a bad one is a BadParameterError with go-spiffe's message. */
export function parseWorkloadAddress(address: string): WorkloadAddress {
  const url = parseUrl(address)
  // The authority as written: WHATWG drops an empty user info (`tcp://@host`), which Go still sees.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(address)?.[1] ?? ''
  const opaque = url.pathname !== '' && !url.pathname.startsWith('/')
  const hasUser = url.username !== '' || url.password !== '' || authority.includes('@')
  switch (url.protocol) {
    case 'unix:':
      if (opaque) fail(`${UNIX} must not be opaque`)
      if (hasUser) fail(`${UNIX} must not include user info`)
      if (url.host === '' && url.pathname === '') fail(`${UNIX} must include a path`)
      if (url.search !== '') fail(`${UNIX} must not include query values`)
      if (url.hash !== '') fail(`${UNIX} must not include a fragment`)
      if (url.host !== '') fail(`${UNIX} must not include a host (use unix:///absolute/path)`)
      return {network: 'unix', path: decodePath(address, url.pathname)}
    case 'tcp:': {
      if (opaque) fail(`${TCP} must not be opaque`)
      if (hasUser) fail(`${TCP} must not include user info`)
      if (url.host === '') fail(`${TCP} must include a host`)
      if (url.pathname !== '') fail(`${TCP} must not include a path`)
      if (url.search !== '') fail(`${TCP} must not include query values`)
      if (url.hash !== '') fail(`${TCP} must not include a fragment`)
      const ip = canonicalIp(url.hostname.replace(/^\[(.*)\]$/, '$1'))
      if (ip === undefined) fail(`${TCP} host component must be an IP:port`)
      if (url.port === '') fail(`${TCP} host component must include a port`)
      return {network: 'tcp', host: ip, port: Number(url.port)}
    }
    default:
      return fail(INVALID_SCHEME)
  }
}

function parseUrl(address: string): URL {
  if (/[\x00-\x1f\x7f]/.test(address)) invalidUri(address, 'control characters are not allowed')
  if (address !== address.trim()) invalidUri(address, 'leading or trailing spaces are not allowed')
  if (!/^[a-z][a-z0-9+.-]*:/i.test(address)) {
    // No scheme: Go reads a relative path, which fails only when its first segment holds a colon.
    if (/^[^/?#]*:/.test(address)) invalidUri(address, 'missing or malformed scheme')
    fail(INVALID_SCHEME)
  }
  try {
    return new URL(address)
  } catch (err) {
    // WHATWG URL has no IPv6 zone (RFC 6874); go-spiffe parses one and then refuses it as not an IP.
    if (/^tcp:\/\/[^/?#]*\[[^\]]*%/i.test(address)) fail(`${TCP} host component must be an IP:port`)
    return invalidUri(address, err instanceof Error ? err.message : String(err))
  }
}

/** The socket path, percent-decoded as Go's `URL.Path` is. */
function decodePath(address: string, pathname: string): string {
  try {
    return decodeURIComponent(pathname)
  } catch (err) {
    return invalidUri(address, `path ${JSON.stringify(pathname)}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * The address to use: the explicit one, else `SPIFFE_ENDPOINT_SOCKET` from `env`. Neither set is
 * go-spiffe's `workload endpoint socket address is not configured`; an empty variable is parsed (and
 * fails on its missing scheme), as go-spiffe does with `os.LookupEnv`.
 */
export function resolveWorkloadAddress(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): WorkloadAddress {
  const address = explicit !== undefined && explicit !== '' ? explicit : env[SOCKET_ENV]
  if (address === undefined) fail('workload endpoint socket address is not configured')
  return parseWorkloadAddress(address)
}

/** The canonical URI: `unix:///abs/path` or `tcp://ip:port`. */
export function formatWorkloadAddress(address: WorkloadAddress): string {
  if (address.network === 'unix') return `unix://${address.path}`
  return `tcp://${joinHostPort(address.host, String(address.port))}`
}

/** The target string grpc-js dials (its unix resolver takes `unix:/abs/path`; IP literals resolve as is). */
export function grpcTarget(address: WorkloadAddress): string {
  if (address.network === 'unix') return `unix:${address.path}`
  return joinHostPort(address.host, String(address.port))
}
