/**
 * The peer's X509-SVID, checked synchronously inside the TLS handshake's completion (Node has no
 * asynchronous verify hook: checkServerIdentity is synchronous, and a server must decide before its
 * 'secureConnection' listeners read a byte). Division of labour:
 *  - OpenSSL has already built and checked the path (signatures, validity, CA constraints) to an
 *    authority of the *union* of the bundles, which is the only `ca` we give it (never Node's store);
 *  - here, go-spiffe's leaf rules (svid/x509svid/verify.go: one SPIFFE ID URI SAN, not a CA, no
 *    keyCertSign/cRLSign) and the binding that matters with several trust domains: the path must end
 *    at an authority of the bundle of the leaf's *own* trust domain (SPIFFE_Trust_Domain_and_Bundle.md §4);
 *  - then the authorizer.
 * Top-level messages are go-spiffe's (`x509svid: …`).
 */
import {X509Certificate} from 'node:crypto'
import type {DetailedPeerCertificate, PeerCertificate} from 'node:tls'
import {certFields} from '../ca/cert-fields.js'
import {KEY_USAGE} from '../ca/oids.js'
import {UnauthenticatedError} from '../errors.js'
import type {X509BundleSource} from '../spiffe/bundle.js'
import type {SpiffeId} from '../spiffe/id.js'
import {idFromCert} from '../spiffe/x509-svid.js'
import {runAuthorizer, type Authorizer} from './authorizer.js'

const verifyError = (message: string) => new UnauthenticatedError(`x509svid: ${message}`)

/** The chain Node reports, leaf first (the detailed form links each certificate to its issuer). */
export function peerChain(cert: PeerCertificate | DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = []
  const seen = new Set<string>()
  let at: PeerCertificate | undefined = cert
  while (at?.raw !== undefined && !seen.has(at.fingerprint256) && chain.length < 16) {
    seen.add(at.fingerprint256)
    chain.push(new X509Certificate(at.raw))
    at = (at as Partial<DetailedPeerCertificate>).issuerCertificate
  }
  return chain
}

/** Leaf rules, cached by fingerprint: the same peer SVID comes back on every connection until it rotates. */
const leafIds = new Map<string, SpiffeId>()
const LEAF_CACHE = 256

function leafId(leaf: X509Certificate): SpiffeId {
  const cached = leafIds.get(leaf.fingerprint256)
  if (cached !== undefined) return cached
  const fields = certFields(leaf)
  let id: SpiffeId
  try {
    id = idFromCert(fields)
  } catch (err) {
    throw verifyError(`could not get leaf SPIFFE ID: ${(err as Error).message}`)
  }
  if (fields.isCA) throw verifyError('leaf certificate with CA flag set to true')
  if (fields.keyUsage & KEY_USAGE.keyCertSign) throw verifyError('leaf certificate with KeyCertSign key usage')
  if (fields.keyUsage & KEY_USAGE.cRLSign) throw verifyError('leaf certificate with KeyCrlSign key usage')
  if (leafIds.size >= LEAF_CACHE) leafIds.delete(leafIds.keys().next().value as string)
  leafIds.set(leaf.fingerprint256, id)
  return id
}

const signedBy = (cert: X509Certificate, issuer: X509Certificate): boolean =>
  cert.checkIssued(issuer) && cert.verify(issuer.publicKey)

/**
 * The chain from the leaf up to an authority of `roots`, or undefined. A certificate that is itself
 * an authority (byte for byte) ends the path; otherwise it must be signed by an authority or by the
 * next certificate the peer sent.
 */
function anchoredChain(chain: readonly X509Certificate[], roots: readonly X509Certificate[]): X509Certificate[] | undefined {
  const path: X509Certificate[] = []
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!
    if (i > 0 && roots.some((r) => r.raw.equals(cert.raw))) return [...path, cert]
    path.push(cert)
    const root = roots.find((r) => signedBy(cert, r))
    if (root !== undefined) return [...path, root]
    const next = chain[i + 1]
    if (next === undefined || !signedBy(cert, next)) return undefined
  }
  return undefined
}

/**
 * The verified SPIFFE ID of a peer's chain (leaf first), then authorized; throws
 * UnauthenticatedError (not a valid SVID of its trust domain) or AccessDeniedError (the authorizer).
 */
export function verifyPeer(chain: readonly X509Certificate[], bundleSource: X509BundleSource, authorizer: Authorizer): SpiffeId {
  const leaf = chain[0]
  if (leaf === undefined) throw verifyError('empty certificates chain')
  const id = leafId(leaf)
  let roots: readonly X509Certificate[]
  try {
    roots = bundleSource.getX509BundleForTrustDomain(id.trustDomain).x509Authorities()
  } catch (err) {
    throw verifyError(`could not get X509 bundle: ${(err as Error).message}`)
  }
  const verified = anchoredChain(chain, roots)
  if (verified === undefined) {
    throw verifyError(`could not verify leaf certificate: no path to an authority of trust domain ${JSON.stringify(id.trustDomain.name)}`)
  }
  runAuthorizer(authorizer, id, [verified])
  return id
}
