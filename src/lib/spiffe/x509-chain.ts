/**
 * Path validation for X509Svid.verify, as go-spiffe's x509svid.Verify has Go's x509 package do it:
 * leaf, then `certs[1:]` as intermediates, up to an authority of the bundle. @peculiar/x509's
 * X509ChainBuilder finds the path (issuer name, AKI/SKI, signature verified with WebCrypto); the
 * RFC 5280 §6.1 checks it does not make are made here over that path: validity at `now` (§6.1.3
 * (a)(2)), every issuer a CA (basic constraints, §6.1.4 (k)) allowed to sign certificates (keyUsage,
 * §6.1.4 (n)) within its path length (§6.1.4 (l)(m)), and no critical extension left unprocessed
 * (§6.1.4 (o)): name constraints are not evaluated, so a chain that carries them is refused rather
 * than trusted unchecked. SHA-1 signatures are refused, as Go does. EKU is not enforced (go-spiffe
 * verifies with ExtKeyUsageAny).
 */
import {webcrypto, type X509Certificate} from 'node:crypto'
import {readCertificate, type ReadCertificate} from '../ca/cert-fields.js'
import {KEY_USAGE, OID} from '../ca/oids.js'
import {x509Library} from '../ca/x509-library.js'

/** Why a chain is not trusted, in our words; X509Svid.verify puts go-spiffe's prefix in front. */
export class ChainError extends Error {}

/** Extensions whose critical flag we honour (RFC 5280 §4.2.1): the ones read here or meaningless to path validation. */
const PROCESSED_CRITICAL = new Set<string>([
  OID.keyUsage, OID.basicConstraints, OID.subjectAltName, OID.extKeyUsage, OID.authorityKeyIdentifier, OID.subjectKeyIdentifier,
  '2.5.29.31', '2.5.29.32', '1.3.6.1.5.5.7.1.1',
])

function describe(c: ReadCertificate): string {
  const s = c.fields.subject
  const name = s.commonName ?? s.organization[0]
  return name === undefined ? `certificate with serial ${c.fields.serial.toString(16)}` : `certificate ${JSON.stringify(name)}`
}

function checkValidity(c: ReadCertificate, now: Date): void {
  const {notBefore, notAfter} = c.fields
  if (now < notBefore) throw new ChainError(`${describe(c)} is not yet valid: ${now.toISOString()} is before its notBefore ${notBefore.toISOString()}`)
  if (now > notAfter) throw new ChainError(`${describe(c)} has expired: ${now.toISOString()} is after its notAfter ${notAfter.toISOString()}`)
  const unprocessed = c.fields.extensions.find((e) => e.critical && !PROCESSED_CRITICAL.has(e.oid))
  if (unprocessed !== undefined) throw new ChainError(`${describe(c)} has a critical extension that is not processed here (${unprocessed.oid})`)
}

/** RFC 5280 §6.1.4 (k), (l)-(m), (n) for the issuer at `path[index]`, which has `index - 1` intermediates below it. */
function checkIssuer(c: ReadCertificate, index: number): void {
  const f = c.fields
  if (!f.isCA) throw new ChainError(`${describe(c)} signed a certificate but is not a CA (basic constraints)`)
  if (f.keyUsage !== 0 && (f.keyUsage & KEY_USAGE.keyCertSign) === 0) {
    throw new ChainError(`${describe(c)} signed a certificate but its key usage lacks keyCertSign`)
  }
  if (f.maxPathLen !== undefined && index - 1 > f.maxPathLen) {
    throw new ChainError(`${describe(c)} allows ${f.maxPathLen} intermediate certificates below it; the chain has ${index - 1}`)
  }
}

function checkSignatureHash(child: ReadCertificate): void {
  const hash = (child.library.signatureAlgorithm as {hash?: {name?: string}}).hash?.name
  if (hash === 'SHA-1') throw new ChainError(`${describe(child)} is signed with SHA-1, which is not accepted`)
}

async function buildPath(leaf: ReadCertificate, pool: readonly ReadCertificate[]): Promise<ReadCertificate[]> {
  const builder = new (x509Library().X509ChainBuilder)({certificates: pool.map((c) => c.library)})
  let built
  try {
    built = await builder.build(leaf.library, webcrypto)
  } catch (err) {
    throw new ChainError(`cannot build a chain: ${(err as Error).message}`)
  }
  return [...built].map((lib) => (lib === leaf.library ? leaf : pool.find((c) => c.library === lib)!))
}

/**
 * Verify `leaf` up to one of `roots` through any of `intermediates` at `now`; returns the chain,
 * leaf first, bundle authority last. Throws ChainError.
 */
export async function verifyChain(
  leafCert: X509Certificate, roots: readonly X509Certificate[], intermediates: readonly X509Certificate[], now: Date,
): Promise<X509Certificate[]> {
  const leaf = readCertificate(leafCert)
  checkValidity(leaf, now)
  const isRoot = (c: ReadCertificate) => roots.some((r) => r.raw.equals(c.cert.raw))
  if (isRoot(leaf)) return [leaf.cert]
  // Bundle authorities first: the builder takes the first issuer whose signature verifies.
  const chain = await buildPath(leaf, [...roots, ...intermediates].map((c) => readCertificate(c)))
  const anchor = chain.findIndex((c, i) => i > 0 && isRoot(c))
  if (anchor === -1) {
    const last = chain[chain.length - 1]!
    throw new ChainError(`certificate signed by unknown authority: no bundle authority or intermediate issued the ${describe(last)} with a signature that verifies`)
  }
  const path = chain.slice(0, anchor + 1)
  path.forEach((c, i) => {
    if (i > 0) {
      checkIssuer(c, i)
      checkValidity(c, now)
      checkSignatureHash(path[i - 1]!)
    }
  })
  return path.map((c) => c.cert)
}
