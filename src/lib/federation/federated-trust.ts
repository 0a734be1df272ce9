/**
 * Federated trust domains in the form trust is handed out (issuance/contract.ts TrustBundle
 * `federated`): each spiffe_federation's last good bundle (`status.current_bundle`, written by the
 * syncer), converted to X.509 PEM and JWT public JWKs. A federation that has not synced yet is left
 * out; a stored bundle that no longer parses is left out and logged, never fatal for the rest.
 */
import {createHash} from 'node:crypto'
import type {JwtPublicKey, TrustBundle, TrustDomainAuthorities} from '../issuance/contract.js'
import {discardLogger, type Logger} from '../log.js'
import type {SpiffeFederation} from '../resources/spiffe-federation.js'
import {TrustDomain} from '../spiffe/id.js'
import {SpiffeBundle} from '../spiffe/spiffe-bundle.js'
import type {ResourceStore} from '../storage/resource-store.js'

/** Parsed bundles by trust domain and bundle text: the store is read on every poll, bundles rarely change. */
const converted = new Map<string, {readonly json: string; readonly authorities: TrustDomainAuthorities}>()

export function authoritiesFromBundle(trustDomain: string, json: string): TrustDomainAuthorities {
  const cached = converted.get(trustDomain)
  if (cached !== undefined && cached.json === json) return cached.authorities
  const bundle = SpiffeBundle.parse(TrustDomain.parse(trustDomain), json)
  const x509Pem = bundle.x509Authorities().map((c) => c.toString()).join('')
  const jwtKeys: JwtPublicKey[] = [...bundle.jwtAuthorities()].map(([kid, key]) => {
    const {kty, ...material} = key.export({format: 'jwk'})
    return {kty: kty ?? '', kid, ...material}
  })
  const authorities = {trustDomain, x509Pem, jwtKeys}
  converted.set(trustDomain, {json, authorities})
  return authorities
}

/** Every federation with a synced bundle, sorted by trust domain. */
export function federatedAuthorities(federations: readonly SpiffeFederation[], log: Logger = discardLogger): TrustDomainAuthorities[] {
  const out: TrustDomainAuthorities[] = []
  for (const federation of federations) {
    const json = federation.status?.current_bundle
    if (json === undefined) continue
    try {
      out.push(authoritiesFromBundle(federation.metadata.name, json))
    } catch (err) {
      log.error('Stored SPIFFE federation bundle does not parse; leaving it out', {trust_domain: federation.metadata.name, error: err})
    }
  }
  return out.sort((a, b) => (a.trustDomain < b.trustDomain ? -1 : a.trustDomain > b.trustDomain ? 1 : 0))
}

/** `local` with `federated` added; the fingerprint covers both, so tbot pushes a federated change too. */
export function withFederated(local: TrustBundle, federated: readonly TrustDomainAuthorities[]): TrustBundle {
  if (federated.length === 0 && local.federated.length === 0) return local
  const fingerprint = createHash('sha256').update(local.fingerprint).update(JSON.stringify(federated)).digest('hex')
  return {...local, federated, fingerprint}
}

/** The cluster's bundle with the federated ones read from `store`. */
export async function trustBundleWithFederation(local: TrustBundle, store: ResourceStore, log?: Logger): Promise<TrustBundle> {
  return withFederated(local, federatedAuthorities(await store.list('spiffe_federation'), log))
}
