/**
 * The cluster's public trust material, in every form it is handed out: the X.509 bundle (PEM), the
 * JWT JWKS (Teleport's /workload-identity/jwt-jwks.json), the SPIFFE bundle (/webapi/spiffe/bundle.json)
 * and the OIDC discovery document (Teleport's lib/web/apiserver.go and lib/web/spiffe.go).
 */
import {X509Certificate, createHash} from 'node:crypto'
import type {CaMaterial} from '../ca/ca-material.js'
import {jwksFromKeys, type Jwk} from '../ca/jwk.js'
import {openIdConfiguration, type OpenIdConfiguration} from '../oidc.js'
import type {TrustBundle} from '../issuance/contract.js'

/** Teleport's refresh hint for the SPIFFE bundle endpoint, in seconds. */
export const SPIFFE_BUNDLE_REFRESH_HINT_S = 300

/** Every trusted JWT key, the signing one first: during a rotation the old key stays, so JWT-SVIDs it signed still verify. */
export function jwtJwks(ca: CaMaterial): {keys: Jwk[]} {
  return jwksFromKeys(ca.jwtTrusted.map((k) => ({publicKey: k.publicKey, kid: k.kid, alg: k.alg})))
}

/** Every trusted SPIFFE CA certificate, the signing one first (both during a rotation: authority/rotation.ts). */
export function trustBundle(ca: CaMaterial): TrustBundle {
  const x509Pem = ca.spiffeTrusted.map((c) => c.certPem).join('')
  const jwtKeys = jwtJwks(ca).keys.map((k) => ({...k, kid: k.kid ?? ''}))
  const fingerprint = createHash('sha256').update(x509Pem).update(JSON.stringify(jwtKeys)).digest('hex')
  return {trustDomain: ca.trustDomain.name, x509Pem, jwtKeys, federated: [], fingerprint}
}

/**
 * The SPIFFE bundle (SPIFFE_Trust_Domain_and_Bundle.md): one x509-svid entry per CA certificate (x5c, no kid) and one
 * jwt-svid entry per key, built from a TrustBundle so local and remote callers make the same bytes.
 */
export function spiffeBundleFromTrust(bundle: TrustBundle, sequence?: number): Record<string, unknown> {
  const certs = pemCertificates(bundle.x509Pem)
  const x509Entries = certs.map((cert) => {
    const {kty, ...material} = cert.publicKey.export({format: 'jwk'})
    return {kty, use: 'x509-svid', x5c: [cert.raw.toString('base64')], ...material}
  })
  const jwtEntries = bundle.jwtKeys.map(({kty, alg: _alg, use: _use, kid, ...material}) => ({kty, use: 'jwt-svid', kid, ...material}))
  return {keys: [...x509Entries, ...jwtEntries], spiffe_refresh_hint: SPIFFE_BUNDLE_REFRESH_HINT_S, spiffe_sequence: sequence ?? bundleSequence(certs)}
}

/**
 * spiffe_sequence (SPIFFE_Trust_Domain_and_Bundle.md §4.1) when the caller has no counter of its own,
 * derived from the bundle so every restart and replica says the same: twice the newest X.509
 * authority's notBefore (Unix seconds), plus one while it is the only one. Through a rotation it
 * grows when the new CA joins (init) and again when the old one leaves (standby); only a rollback
 * goes back to the old value. A CA state that counts its changes can pass that instead.
 */
function bundleSequence(certs: readonly X509Certificate[]): number {
  const newest = Math.max(0, ...certs.map((cert) => Math.floor(Date.parse(cert.validFrom) / 1000)))
  return newest * 2 + (certs.length <= 1 ? 1 : 0)
}

export function spiffeBundleJson(ca: CaMaterial): Record<string, unknown> {
  return spiffeBundleFromTrust(trustBundle(ca))
}

function pemCertificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block))
}

export function oidcDiscovery(ca: CaMaterial, issuer: string): OpenIdConfiguration {
  return openIdConfiguration(issuer, [...new Set(ca.jwtTrusted.map((k) => k.alg))])
}
