/**
 * An undici Agent (for `fetch`, `request`, …) on a client config: each new connection takes the
 * config's current secure context and its SPIFFE check; undici's TLS session cache is off, since
 * Node skips checkServerIdentity on a resumed session.
 */
import type {ConnectionOptions} from 'node:tls'
import {Agent, buildConnector} from 'undici'
import type {ClientTlsConfig} from './client.js'

/**
 * An undici Agent speaking SPIFFE (m)TLS per `config` (from mtlsClientConfig or tlsClientConfig).
 *
 * @example
 * ```ts
 * import {fetch} from 'undici'
 * import {X509Source, authorizeID, mtlsClientConfig, undiciAgent} from 'svidkit'
 * const source = await X509Source.create()
 * const dispatcher = undiciAgent(mtlsClientConfig(source, source, authorizeID('spiffe://example.org/api')))
 * const res = await fetch('https://10.0.0.7:8443/v1/items', {dispatcher})
 * ```
 */
export function undiciAgent(config: ClientTlsConfig, options: Omit<Agent.Options, 'connect'> = {}): Agent {
  const tlsOptions = (): ConnectionOptions => ({
    rejectUnauthorized: true,
    checkServerIdentity: config.checkServerIdentity,
    secureContext: config.secureContext,
    minVersion: config.minVersion,
  })
  const connect: buildConnector.connector = (opts, callback) => {
    buildConnector({...tlsOptions(), maxCachedSessions: 0} as buildConnector.BuildOptions)(opts, callback)
  }
  return new Agent({...options, connect})
}
