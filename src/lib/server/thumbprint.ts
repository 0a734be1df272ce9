/**
 * `GET /webapi/thumbprint` (Teleport's web API handler over lib/integrations/awsoidc/idp_thumbprint.go):
 * the proxy dials its own public address and returns the AWS OIDC thumbprint. The dial and the hash are
 * client-side code and live in net/thumbprint-dial.ts, which `tctl thumbprint` uses directly.
 */
import {fetchThumbprint} from '../net/thumbprint-dial.js'
import type {Route} from './router.js'

/**
 * The proxy dials its public address as written in the config (e.g. `NetAddr.raw`; 443 when it has no
 * port) and returns the thumbprint as a JSON string.
 */
export function thumbprintRoute<C>(publicAddr: string | (() => string), options: {timeoutMs?: number} = {}): Route<C> {
  return {
    method: 'GET',
    path: '/webapi/thumbprint',
    auth: 'none',
    handler: () => fetchThumbprint(typeof publicAddr === 'string' ? publicAddr : publicAddr(), options),
  }
}
