/**
 * `GET /webapi/ping` (Teleport's lib/web/apiserver.go and lib/web/spiffe.go; Teleport's api/client/webclient PingResponse): what a client learns
 * about the cluster before it authenticates. Pure: the server's facts in, the JSON value out.
 * Empty optional fields are omitted as Go's `omitempty` does. `svidkit` carries our additions under one
 * key so they cannot collide with fields Teleport adds later.
 */
import {formatHostPort} from '../net/addr.js'
import type {ServerConfig} from './config.js'
import type {Route} from './router.js'

export interface PingInput {
  readonly clusterName: string
  /** Semantic version of this server, e.g. `17.0.0`. */
  readonly serverVersion: string
  /** The oldest client this server serves; defaults to Teleport's rule (see minClientVersion). */
  readonly minClientVersion?: string
  /** `host:port` the proxy listens on, e.g. `0.0.0.0:3080`. */
  readonly webListenAddr: string
  /** `host:port` clients should use; omitted when the proxy has none configured. */
  readonly publicAddr?: string
  /** `sha256:<hex>` pins of the cluster CAs (tls.ts caPin), for display; a client must not trust a pin it got here. */
  readonly caPins: readonly string[]
}

export interface PingResponse {
  readonly auth: {
    readonly type: 'local'
    readonly local: {readonly name: string}
    readonly private_key_policy: string
    readonly piv_slot: string
    readonly piv_pin_cache_duration: number
    readonly device_trust: Readonly<Record<string, boolean>>
    readonly has_motd: boolean
    readonly default_session_ttl: string
  }
  readonly proxy: {
    readonly kube: Readonly<Record<string, never>>
    readonly ssh: {readonly web_listen_addr: string; readonly public_addr?: string}
    readonly db: Readonly<Record<string, never>>
    readonly tls_routing_enabled: boolean
  }
  readonly server_version: string
  readonly min_client_version: string
  readonly auto_update: {
    readonly tools_version: string
    readonly tools_auto_update: boolean
    readonly agent_version: string
    readonly agent_auto_update: boolean
    readonly agent_update_jitter_seconds: number
  }
  readonly cluster_name: string
  readonly automatic_upgrades: boolean
  readonly edition: string
  readonly fips: boolean
  readonly svidkit: {readonly trust_domain: string; readonly ca_pins: readonly string[]}
}

/** Teleport serves clients one major version back: `<major-1>.0.0-aa` (api/constants MinClientVersion). */
export function minClientVersion(serverVersion: string): string {
  const major = Number.parseInt(serverVersion.replace(/^v/, '').split('.')[0] ?? '', 10)
  if (!Number.isInteger(major) || major < 1) throw new TypeError(`not a semantic version: "${serverVersion}"`)
  return `${major - 1}.0.0-aa`
}

export function buildPingResponse(input: PingInput): PingResponse {
  return {
    auth: {
      type: 'local',
      local: {name: ''},
      private_key_policy: 'none',
      piv_slot: '',
      piv_pin_cache_duration: 0,
      device_trust: {disabled: true},
      has_motd: false,
      default_session_ttl: '12h0m0s',
    },
    proxy: {
      kube: {},
      ssh: {web_listen_addr: input.webListenAddr, ...(input.publicAddr === undefined ? {} : {public_addr: input.publicAddr})},
      db: {},
      tls_routing_enabled: false,
    },
    server_version: input.serverVersion,
    min_client_version: input.minClientVersion ?? minClientVersion(input.serverVersion),
    auto_update: {tools_version: '', tools_auto_update: false, agent_version: '', agent_auto_update: false, agent_update_jitter_seconds: 0},
    cluster_name: input.clusterName,
    automatic_upgrades: false,
    edition: 'oss',
    fips: false,
    svidkit: {trust_domain: input.clusterName, ca_pins: [...input.caPins]},
  }
}

/** The listen and public addresses of a parsed config, in the form ping reports them. */
export function pingAddresses(config: ServerConfig): Pick<PingInput, 'webListenAddr' | 'publicAddr'> {
  const [first] = config.proxy.publicAddrs
  return {
    webListenAddr: formatHostPort(config.proxy.webListenAddr),
    ...(first === undefined ? {} : {publicAddr: formatHostPort(first)}),
  }
}

/** `GET /webapi/ping`; the input is read per request so a renamed cluster or rotated CA shows at once. */
export function pingRoute<C>(input: () => PingInput | Promise<PingInput>): Route<C> {
  return {method: 'GET', path: '/webapi/ping', auth: 'none', handler: async () => buildPingResponse(await input())}
}
