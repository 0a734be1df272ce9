/**
 * X.509 path validation as Go's `(*x509.Certificate).Verify` does it for go-spiffe (spiffe.md §2.3):
 * parents found by raw issuer name (SKI/AKI matches first), signature and CA constraints checked per
 * candidate, validity at `now`, pathLen, EKU not enforced (go-spiffe passes ExtKeyUsageAny). Errors
 * carry Go's x509 messages. Name constraints are not evaluated: a critical nameConstraints extension
 * counts as unhandled, so such chains are refused rather than trusted unchecked.
 */
import type {X509Certificate} from 'node:crypto'
import type {CertInfo} from './cert-info.js'
import {KEY_USAGE, OID} from './oids.js'

export interface ParsedCert {
  readonly cert: X509Certificate
  readonly info: CertInfo
}

/** A Go `x509` verification error; `message` is Go's text. */
export class ChainError extends Error {}

const HANDLED_CRITICAL = new Set<string>([
  OID.keyUsage, OID.basicConstraints, OID.subjectAltName, OID.extKeyUsage, OID.authorityKeyIdentifier, OID.subjectKeyIdentifier,
  '2.5.29.31', '2.5.29.32', '2.5.29.33', '2.5.29.36', '2.5.29.54', '1.3.6.1.5.5.7.1.1',
])

const SIGNATURE_KEY_ALGORITHM: Readonly<Record<string, 'RSA' | 'ECDSA' | 'Ed25519'>> = {
  '1.2.840.113549.1.1.11': 'RSA', '1.2.840.113549.1.1.12': 'RSA', '1.2.840.113549.1.1.13': 'RSA', '1.2.840.113549.1.1.10': 'RSA',
  '1.2.840.10045.4.3.2': 'ECDSA', '1.2.840.10045.4.3.3': 'ECDSA', '1.2.840.10045.4.3.4': 'ECDSA',
  '1.3.101.112': 'Ed25519',
}
const GO_KEY_TYPE: Readonly<Record<string, string>> = {rsa: '*rsa.PublicKey', ec: '*ecdsa.PublicKey', ed25519: 'ed25519.PublicKey'}
const VERIFY_FAILURE = {RSA: 'crypto/rsa: verification error', ECDSA: 'x509: ECDSA verification failure', Ed25519: 'x509: Ed25519 verification failure'}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Go's `isValid` time and critical-extension checks, shared by every certificate in a path. */
function checkValidity(c: CertInfo, now: Date): void {
  if (c.extensions.some((e) => e.critical && !HANDLED_CRITICAL.has(e.oid))) throw new ChainError('x509: unhandled critical extension')
  const detail =
    now < c.notBefore ? `current time ${rfc3339(now)} is before ${rfc3339(c.notBefore)}`
    : now > c.notAfter ? `current time ${rfc3339(now)} is after ${rfc3339(c.notAfter)}`
    : undefined
  if (detail !== undefined) throw new ChainError(`x509: certificate has expired or is not yet valid: ${detail}`)
}

/** Go `CheckSignatureFrom`: the parent may sign certificates, and the signature verifies. */
function checkSignatureFrom(child: ParsedCert, parent: ParsedCert): void {
  const p = parent.info
  if ((p.version === 3 && !p.basicConstraintsValid) || (p.basicConstraintsValid && !p.isCA) || (p.keyUsage !== 0 && (p.keyUsage & KEY_USAGE.keyCertSign) === 0)) {
    throw new ChainError('x509: invalid signature: parent certificate cannot sign this kind of certificate')
  }
  const algo = SIGNATURE_KEY_ALGORITHM[child.info.signatureAlgorithm]
  if (algo === undefined) {
    const sha1 = child.info.signatureAlgorithm === '1.2.840.113549.1.1.5' || child.info.signatureAlgorithm === '1.2.840.10045.4.1'
    throw new ChainError(sha1 ? 'x509: cannot verify signature: insecure algorithm SHA1' : 'x509: cannot verify signature: algorithm unimplemented')
  }
  const keyType = parent.cert.publicKey.asymmetricKeyType ?? 'unknown'
  const expected = {RSA: 'rsa', ECDSA: 'ec', Ed25519: 'ed25519'}[algo]
  if (keyType !== expected) {
    throw new ChainError(`x509: signature algorithm specifies an ${algo} public key, but have public key of type ${GO_KEY_TYPE[keyType] ?? keyType}`)
  }
  if (!child.cert.verify(parent.cert.publicKey)) throw new ChainError(VERIFY_FAILURE[algo])
}

function certName(c: CertInfo): string {
  return c.subject.commonName || c.subject.organization[0] || `serial:${c.serial.toString()}`
}

function unknownAuthority(hint?: {err: Error; cert: CertInfo}): ChainError {
  const base = 'x509: certificate signed by unknown authority'
  if (hint === undefined) return new ChainError(base)
  return new ChainError(`${base} (possibly because of ${JSON.stringify(hint.err.message)} while trying to verify candidate authority certificate ${JSON.stringify(certName(hint.cert))})`)
}

/** Go `findPotentialParents`: same raw subject as the child's issuer; AKI=SKI first, then one-sided, then mismatched. */
function potentialParents(child: CertInfo, pool: readonly ParsedCert[]): ParsedCert[] {
  const rank = (c: CertInfo): number => {
    const ski = c.subjectKeyId
    const aki = child.authorityKeyId
    if ((ski === undefined && aki === undefined) || (ski !== undefined && aki !== undefined && ski.equals(aki))) return 0
    return ski === undefined || aki === undefined ? 1 : 2
  }
  return pool.filter((p) => p.info.rawSubject.equals(child.rawIssuer)).sort((a, b) => rank(a.info) - rank(b.info))
}

const inChain = (c: ParsedCert, chain: readonly ParsedCert[]) => chain.some((x) => x.info.der.equals(c.info.der))
const MAX_SIGNATURE_CHECKS = 100

interface Search {
  readonly roots: readonly ParsedCert[]
  readonly intermediates: readonly ParsedCert[]
  readonly now: Date
  signatureChecks: number
}

function buildChains(chain: readonly ParsedCert[], s: Search): ParsedCert[][] {
  const current = chain[chain.length - 1]!
  const chains: ParsedCert[][] = []
  let hint: {err: Error; cert: CertInfo} | undefined
  let err: Error | undefined
  const consider = (candidate: ParsedCert, isRoot: boolean) => {
    if (inChain(candidate, chain)) return
    if (++s.signatureChecks > MAX_SIGNATURE_CHECKS) {
      err = new ChainError('x509: signature check attempts limit reached while verifying certificate chain')
      return
    }
    try {
      checkSignatureFrom(current, candidate)
      checkValidity(candidate.info, s.now)
      if (!isRoot && (!candidate.info.basicConstraintsValid || !candidate.info.isCA)) throw new ChainError('x509: certificate is not authorized to sign other certificates')
      if (candidate.info.basicConstraintsValid && candidate.info.maxPathLen >= 0 && chain.length - 1 > candidate.info.maxPathLen) {
        throw new ChainError('x509: too many intermediates for path length constraint')
      }
    } catch (e) {
      if (!(e instanceof ChainError)) throw e
      hint ??= {err: e, cert: candidate.info}
      return
    }
    if (isRoot) {
      chains.push([...chain, candidate])
      return
    }
    try {
      chains.push(...buildChains([...chain, candidate], s))
      err = undefined
    } catch (e) {
      if (!(e instanceof ChainError)) throw e
      err = e
    }
  }
  for (const root of potentialParents(current.info, s.roots)) consider(root, true)
  for (const intermediate of potentialParents(current.info, s.intermediates)) consider(intermediate, false)
  if (chains.length > 0) return chains
  throw err ?? unknownAuthority(hint)
}

/**
 * Verify `leaf` up to one of `roots` through any of `intermediates` at time `now`; returns every
 * chain found (leaf first, root last). Throws ChainError with Go's message.
 */
export function verifyChain(leaf: ParsedCert, roots: readonly ParsedCert[], intermediates: readonly ParsedCert[], now: Date): ParsedCert[][] {
  checkValidity(leaf.info, now)
  if (roots.some((r) => r.info.der.equals(leaf.info.der))) return [[leaf]]
  return buildChains([leaf], {roots, intermediates, now, signatureChecks: 0})
}
