/**
 * The secrets an SDS request names (Teleport's lib/tbot/workloadidentity sds handler
 * generateResponse; SPIRE's pkg/agent/endpoints/sdsv3/handler.go for comparison):
 *
 * - `default`: the caller's first SVID, as a tls_certificate named `default` (PEM chain, PKCS#8 key);
 * - a SPIFFE ID the caller holds: that SVID, named by its ID;
 * - `ROOTCA`: the own trust domain's bundle; `ALL`: own and federated, in one validation context;
 * - `spiffe://<td>` or a bare trust domain name: that domain's bundle (own or federated);
 * - no names: every SVID and every trust domain's bundle, each under its own name.
 *
 * Every validation context uses Envoy's SPIFFE certificate validator (`envoy.tls.cert_validator.spiffe`,
 * tls_spiffe_validator_config.proto), listing each trust domain with its CA certificates, so Envoy
 * matches a peer's bundle by its trust domain. A name that matches nothing fails the request
 * (Teleport's "unknown resource names"); asking for an SVID when the caller is entitled to none is
 * PermissionDenied, as FetchX509SVID's is.
 */
import {AccessDeniedError, BadParameterError} from '../../errors.js'
import {toPem} from '../../ca/pem.js'
import {TrustDomain} from '../../spiffe/id.js'
import {NOT_ENTITLED} from '../handlers.js'
import type {TrustBundles, TrustDomainBundle, X509SvidEntry} from '../source.js'
import {SECRET_TYPE_URL, SPIFFE_VALIDATOR_TYPE_URL, type AnySecret} from './proto.js'

export const DEFAULT_SVID_NAME = 'default'
export const ROOTCA_NAME = 'ROOTCA'
export const ALL_BUNDLES_NAME = 'ALL'
export const SPIFFE_VALIDATOR_NAME = 'envoy.tls.cert_validator.spiffe'

export function tlsCertificateSecret(svid: X509SvidEntry, name: string): AnySecret {
  return {
    '@type': SECRET_TYPE_URL,
    name,
    tls_certificate: {
      certificate_chain: {inline_bytes: Buffer.from(svid.chain.map((der) => toPem('CERTIFICATE', der)).join(''))},
      private_key: {inline_bytes: Buffer.from(toPem('PRIVATE KEY', svid.privateKey))},
    },
  }
}

export function validationContextSecret(bundles: readonly TrustDomainBundle[], name: string): AnySecret {
  return {
    '@type': SECRET_TYPE_URL,
    name,
    validation_context: {
      custom_validator_config: {
        name: SPIFFE_VALIDATOR_NAME,
        typed_config: {
          '@type': SPIFFE_VALIDATOR_TYPE_URL,
          // The validator wants the bare name here, not spiffe:// (tls_spiffe_validator_config.proto).
          trust_domains: bundles.map((b) => ({
            name: b.trustDomain.name,
            trust_bundle: {inline_bytes: Buffer.from(b.x509Authorities.map((der) => toPem('CERTIFICATE', der)).join(''))},
          })),
        },
      },
    },
  }
}

/** Does answering `names` need the caller's SVIDs? */
export function needsSvids(names: readonly string[], bundles: TrustBundles): boolean {
  const wanted = names.filter((n) => n !== '')
  return wanted.length === 0 || wanted.some((n) => n === DEFAULT_SVID_NAME || (n.startsWith('spiffe://') && bundleNamed(n, bundles) === undefined))
}

/** The secrets for `names` (empty: everything), in the order asked. */
export function secretsFor(names: readonly string[], bundles: TrustBundles, svids: readonly X509SvidEntry[]): AnySecret[] {
  const wanted = [...new Set(names.filter((n) => n !== ''))]
  const all = [bundles.local, ...bundles.federated]
  if (wanted.length === 0) {
    if (svids.length === 0) throw new AccessDeniedError(NOT_ENTITLED)
    return [
      ...svids.map((s) => tlsCertificateSecret(s, s.spiffeId.toString())),
      ...all.map((b) => validationContextSecret([b], b.trustDomain.idString())),
    ]
  }
  const unknown: string[] = []
  const secrets: AnySecret[] = []
  for (const name of wanted) {
    const secret = secretNamed(name, bundles, svids)
    if (secret === undefined) unknown.push(name)
    else secrets.push(secret)
  }
  if (unknown.length > 0) throw new BadParameterError(`unknown resource names: [${unknown.join(' ')}]`)
  return secrets
}

function secretNamed(name: string, bundles: TrustBundles, svids: readonly X509SvidEntry[]): AnySecret | undefined {
  if (name === DEFAULT_SVID_NAME) {
    if (svids[0] === undefined) throw new AccessDeniedError(NOT_ENTITLED)
    return tlsCertificateSecret(svids[0], DEFAULT_SVID_NAME)
  }
  if (name === ROOTCA_NAME) return validationContextSecret([bundles.local], ROOTCA_NAME)
  if (name === ALL_BUNDLES_NAME) return validationContextSecret([bundles.local, ...bundles.federated], ALL_BUNDLES_NAME)
  const bundle = bundleNamed(name, bundles)
  if (bundle !== undefined) return validationContextSecret([bundle], name)
  const svid = svids.find((s) => s.spiffeId.toString() === name)
  if (svid !== undefined) return tlsCertificateSecret(svid, name)
  if (name.startsWith('spiffe://') && svids.length === 0) throw new AccessDeniedError(NOT_ENTITLED)
  return undefined
}

/** `spiffe://td` or `td`, when it names the own or a federated trust domain. */
function bundleNamed(name: string, bundles: TrustBundles): TrustDomainBundle | undefined {
  let trustDomain: TrustDomain
  try {
    trustDomain = TrustDomain.parse(name)
  } catch {
    return undefined
  }
  // A SPIFFE ID with a path names a workload, not a trust domain.
  if (name.startsWith('spiffe://') && name !== trustDomain.idString()) return undefined
  return [bundles.local, ...bundles.federated].find((b) => b.trustDomain.equals(trustDomain))
}
