/**
 * Authorizers (go-spiffe v2/spiffetls/tlsconfig/authorizer.go over spiffeid/match.go): after the
 * peer's X509-SVID is verified against its trust domain's bundle, an authorizer decides whether its
 * SPIFFE ID may talk to us. Refusals carry go-spiffe's messages (`unexpected ID "…"`,
 * `unexpected trust domain "…"`) as AccessDeniedError.
 */
import type {X509Certificate} from 'node:crypto'
import {AccessDeniedError} from '../errors.js'
import {SpiffeId, TrustDomain} from '../spiffe/id.js'

/**
 * Decides on a verified peer: return (or return `true`) to admit it; throw, or return `false`, to
 * refuse. `verifiedChains` holds the chain found, leaf first.
 *
 * @example
 * ```ts
 * import {type Authorizer, SpiffeId} from 'svidkit'
 * // Any workload under /billing/ in our trust domain.
 * const billing: Authorizer = (id) => id.trustDomain.name === 'example.org' && id.path.startsWith('/billing/')
 * ```
 */
export type Authorizer = (id: SpiffeId, verifiedChains: readonly (readonly X509Certificate[])[]) => void | boolean

const unexpectedId = (id: SpiffeId) => new AccessDeniedError(`unexpected ID ${JSON.stringify(id.toString())}`)

/** Runs an authorizer, turning `false` into go-spiffe's `unexpected ID` refusal. */
export function runAuthorizer(authorizer: Authorizer, id: SpiffeId, chains: readonly (readonly X509Certificate[])[]): void {
  if (authorizer(id, chains) === false) throw unexpectedId(id)
}

const asId = (id: SpiffeId | string): SpiffeId => (typeof id === 'string' ? SpiffeId.parse(id) : id)

/**
 * Admits any SPIFFE ID the bundles verify.
 *
 * @example
 * ```ts
 * import {authorizeAny, mtlsServerConfig} from 'svidkit'
 * const config = mtlsServerConfig(source, source, authorizeAny())
 * ```
 */
export function authorizeAny(): Authorizer {
  return () => {}
}

/**
 * Admits exactly one SPIFFE ID.
 *
 * @example
 * ```ts
 * import {authorizeID} from 'svidkit'
 * const onlyFrontend = authorizeID('spiffe://example.org/frontend')
 * ```
 */
export function authorizeID(allowed: SpiffeId | string): Authorizer {
  const want = asId(allowed)
  return (id) => {
    if (!id.equals(want)) throw unexpectedId(id)
  }
}

/**
 * Admits any of the listed SPIFFE IDs.
 *
 * @example
 * ```ts
 * import {authorizeOneOf} from 'svidkit'
 * const callers = authorizeOneOf('spiffe://example.org/web', 'spiffe://example.org/batch')
 * ```
 */
export function authorizeOneOf(...allowed: (SpiffeId | string)[]): Authorizer {
  const want = new Set(allowed.map((id) => asId(id).toString()))
  return (id) => {
    if (!want.has(id.toString())) throw unexpectedId(id)
  }
}

/**
 * Admits every SPIFFE ID of a trust domain (a federated one too, when its bundle is in the bundle source).
 *
 * @example
 * ```ts
 * import {authorizeMemberOf} from 'svidkit'
 * const partners = authorizeMemberOf('partner.example.com')
 * ```
 */
export function authorizeMemberOf(trustDomain: TrustDomain | string): Authorizer {
  const want = typeof trustDomain === 'string' ? TrustDomain.parse(trustDomain) : trustDomain
  return (id) => {
    if (id.trustDomain.name !== want.name) throw new AccessDeniedError(`unexpected trust domain ${JSON.stringify(id.trustDomain.name)}`)
  }
}
