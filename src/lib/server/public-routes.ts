/**
 * The public endpoints (Teleport's lib/web/apiserver.go and lib/web/spiffe.go), served to anyone without a client certificate: what a
 * client learns before it authenticates, and what AWS, GCP and other relying parties fetch to trust
 * JWT-SVIDs. Bodies come from authority/trust.ts, so they are the ones `tctl workload-identity
 * export-*` writes.
 */
import {jwtJwks, oidcDiscovery, spiffeBundleJson} from '../authority/trust.js'
import type {CaMaterial} from '../ca/ca-material.js'
import {pingRoute, type PingInput} from './ping.js'
import {reply, type Route} from './router.js'
import {thumbprintRoute} from './thumbprint.js'

export interface PublicRouteDeps {
  /** Read per request: during a CA rotation the bodies hold the old and the new keys (authority/rotation.ts). */
  readonly ca: () => Promise<CaMaterial>
  /** `https://<public addr>/workload-identity`: the JWT `iss`. */
  readonly issuer: string
  readonly ping: () => PingInput | Promise<PingInput>
  /** The address the thumbprint route dials: the proxy's own public address as written. */
  readonly thumbprintAddr: () => string
}

/** Relying parties cache keys; Teleport lets them keep discovery and JWKS briefly. */
const PUBLIC_CACHE = {'cache-control': 'public, max-age=60'}

export function publicRoutes<C>(deps: PublicRouteDeps): Route<C>[] {
  const ping = pingRoute<C>(deps.ping)
  return [
    ping,
    // Teleport answers /v1/webapi/ping too (the seed guide's `curl .../v1/webapi/ping`).
    {...ping, path: '/v1/webapi/ping'},
    thumbprintRoute<C>(deps.thumbprintAddr),
    {
      method: 'GET', path: '/workload-identity/.well-known/openid-configuration', auth: 'none',
      handler: async () => reply(oidcDiscovery(await deps.ca(), deps.issuer), {headers: PUBLIC_CACHE}),
    },
    {method: 'GET', path: '/workload-identity/jwt-jwks.json', auth: 'none', handler: async () => reply(jwtJwks(await deps.ca()), {headers: PUBLIC_CACHE})},
    {method: 'GET', path: '/webapi/spiffe/bundle.json', auth: 'none', handler: async () => reply(spiffeBundleJson(await deps.ca()), {headers: PUBLIC_CACHE})},
  ]
}
