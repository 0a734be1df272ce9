/**
 * Workload API endpoint addresses (`SPIFFE_ENDPOINT_SOCKET`, `--path`, tbot's `listen`), parsed as
 * go-spiffe's `TargetFromAddress` does, check for check and message for message (spec/spiffe.md
 * §4.5). One deliberate difference: `unix://host…` is rejected, because the spec forbids an authority
 * and gRPC's unix resolver refuses one when dialing (go-spiffe lets it through).
 */
import {BadParameterError} from '../errors.js'
import {GoUrlError, parseGoUrl, splitGoHostPort} from './go-url.js'
import {formatIp, joinHostPort, parseIp} from './ip.js'

export const SOCKET_ENV = 'SPIFFE_ENDPOINT_SOCKET'

export type WorkloadAddress =
  | {readonly network: 'unix'; readonly path: string}
  | {readonly network: 'tcp'; readonly host: string; readonly port: number}

const UNIX = 'workload endpoint unix socket URI'
const TCP = 'workload endpoint tcp socket URI'

function fail(message: string): never {
  throw new BadParameterError(message)
}

/** Parses one address; a bad one is a BadParameterError with go-spiffe's message. */
export function parseWorkloadAddress(address: string): WorkloadAddress {
  let url
  try {
    url = parseGoUrl(address)
  } catch (err) {
    if (err instanceof GoUrlError) fail(`workload endpoint socket is not a valid URI: ${err.message}`)
    throw err
  }
  switch (url.scheme) {
    case 'unix':
      if (url.opaque !== '') fail(`${UNIX} must not be opaque`)
      if (url.hasUser) fail(`${UNIX} must not include user info`)
      if (url.host === '' && url.path === '') fail(`${UNIX} must include a path`)
      if (url.rawQuery !== '') fail(`${UNIX} must not include query values`)
      if (url.fragment !== '') fail(`${UNIX} must not include a fragment`)
      if (url.host !== '') fail(`${UNIX} must not include a host (use unix:///absolute/path)`)
      return {network: 'unix', path: url.path}
    case 'tcp': {
      if (url.opaque !== '') fail(`${TCP} must not be opaque`)
      if (url.hasUser) fail(`${TCP} must not include user info`)
      if (url.host === '') fail(`${TCP} must include a host`)
      if (url.path !== '') fail(`${TCP} must not include a path`)
      if (url.rawQuery !== '') fail(`${TCP} must not include query values`)
      if (url.fragment !== '') fail(`${TCP} must not include a fragment`)
      const {hostname, port} = splitGoHostPort(url.host)
      const ip = parseIp(hostname)
      if (ip === undefined) fail(`${TCP} host component must be an IP:port`)
      if (port === '') fail(`${TCP} host component must include a port`)
      return {network: 'tcp', host: formatIp(ip), port: Number(port)}
    }
    default:
      return fail('workload endpoint socket URI must have a "tcp" or "unix" scheme')
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
