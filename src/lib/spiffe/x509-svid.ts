/**
 * X.509-SVIDs for Node users: parse (with the SVID's own validation and key match) and verify against
 * a bundle source, with go-spiffe's rules, check order and top-level messages (go-spiffe v2
 * `svid/x509svid`; X509-SVID.md §4-5). Certificates are read with @peculiar/x509 (ca/cert-fields.ts)
 * and chains built and checked by x509-chain.ts; the reasons inside the messages are those
 * libraries'. Parse errors are BadParameterError; verification failures are UnauthenticatedError
 * (the peer is not trusted).
 */
import {X509Certificate, createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto'
import {certFields, type CertFields} from '../ca/cert-fields.js'
import {revokedInChain} from './x509-crl.js'
import {CertParseError, parseCertificate, parseCertificates, parsePemCertificates} from '../ca/certificates.js'
import {KEY_USAGE} from '../ca/oids.js'
import {decodePemBlocks, toPem} from '../ca/pem.js'
import {BadParameterError, UnauthenticatedError} from '../errors.js'
import type {X509BundleSource} from './bundle.js'
import {SpiffeId} from './id.js'
import {ChainError, verifyChain} from './x509-chain.js'

function fieldsOf(cert: X509Certificate | Uint8Array | CertFields): CertFields {
  return cert instanceof X509Certificate || cert instanceof Uint8Array ? certFields(cert) : cert
}

/** go-spiffe `IDFromCert`: exactly one URI SAN holding a valid SPIFFE ID (messages unprefixed). */
export function idFromCert(cert: X509Certificate | Uint8Array | CertFields): SpiffeId {
  const {uris} = fieldsOf(cert)
  if (uris.length === 0) throw new BadParameterError('certificate contains no URI SAN')
  if (uris.length > 1) throw new BadParameterError('certificate contains more than one URI SAN')
  return SpiffeId.parse(uris[0]!)
}

const parseError = (message: string, cause?: unknown) => new BadParameterError(`x509svid: ${message}`, {cause})
const verifyError = (message: string) => new UnauthenticatedError(`x509svid: ${message}`)

function validateLeaf(leaf: CertFields): SpiffeId {
  let id: SpiffeId
  try {
    id = idFromCert(leaf)
  } catch (err) {
    throw new Error(`cannot get leaf certificate SPIFFE ID: ${(err as Error).message}`, {cause: err})
  }
  if (id.isRoot()) throw new Error('leaf certificate SPIFFE ID must have a non-root path')
  if (leaf.isCA) throw new Error('leaf certificate must not have CA flag set to true')
  if ((leaf.keyUsage & KEY_USAGE.digitalSignature) === 0) throw new Error("leaf certificate must have 'digitalSignature' set as key usage")
  if (leaf.keyUsage & KEY_USAGE.keyCertSign) throw new Error("leaf certificate must not have 'keyCertSign' set as key usage")
  if (leaf.keyUsage & KEY_USAGE.cRLSign) throw new Error("leaf certificate must not have 'cRLSign' set as key usage")
  return id
}

/** go-spiffe `validateCertificates`: the leaf's own rules, then every signing certificate's. */
function validateCertificates(certs: readonly X509Certificate[]): SpiffeId {
  if (certs.length === 0) throw new Error('no certificates found')
  const id = validateLeaf(certFields(certs[0]!))
  for (const c of certs.slice(1)) {
    const fields = certFields(c)
    if (!fields.isCA) throw new Error('signing certificate must have CA flag set to true')
    if ((fields.keyUsage & KEY_USAGE.keyCertSign) === 0) throw new Error("signing certificate must have 'keyCertSign' set as key usage")
  }
  return id
}

const SUPPORTED_KEY_TYPES = new Set(['rsa', 'ec', 'ed25519'])

function validatePrivateKey(key: KeyObject | undefined, leaf: X509Certificate): void {
  if (key === undefined) throw new Error('no private key found')
  if (!SUPPORTED_KEY_TYPES.has(key.asymmetricKeyType ?? '')) throw new Error(`unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}`)
  if (!createPublicKey(key).equals(leaf.publicKey)) throw new Error('leaf certificate does not match private key')
}

function parsedForVerify(cert: X509Certificate | Uint8Array): X509Certificate {
  try {
    return parseCertificate(cert)
  } catch (err) {
    if (err instanceof CertParseError) throw verifyError(`unable to parse certificate: ${err.message}`)
    throw err
  }
}

export interface VerifyOptions {
  /** The verification time (go-spiffe `WithTime`); defaults to the current time. */
  readonly now?: () => Date
  /** CRLs (DER), e.g. the Workload API's `crl` field or svid_crl.pem: a certificate of the chain they revoke fails verification. */
  readonly crls?: readonly Uint8Array[]
}

export interface VerifiedX509Svid {
  readonly id: SpiffeId
  /** The chain found, leaf first, bundle authority last (go-spiffe returns every chain; this is one). */
  readonly chains: X509Certificate[][]
}

export class X509Svid {
  private constructor(
    readonly id: SpiffeId,
    readonly certificates: readonly X509Certificate[],
    readonly privateKey: KeyObject,
    /** Operator guidance when a workload receives several SVIDs (Workload API `hint`). */
    readonly hint?: string,
  ) {}

  private static create(certs: readonly X509Certificate[], key: KeyObject | undefined): X509Svid {
    let id: SpiffeId
    try {
      id = validateCertificates(certs)
    } catch (err) {
      throw parseError(`certificate validation failed: ${(err as Error).message}`, err)
    }
    try {
      validatePrivateKey(key, certs[0]!)
    } catch (err) {
      throw parseError(`private key validation failed: ${(err as Error).message}`, err)
    }
    return new X509Svid(id, certs, key!)
  }

  /** PEM certificates (leaf first) and a PEM PKCS#8 `PRIVATE KEY` (go-spiffe `x509svid.Parse`). */
  static parse(certPem: string | Uint8Array, keyPem: string | Uint8Array): X509Svid {
    let certs: X509Certificate[]
    try {
      certs = parsePemCertificates(certPem)
    } catch (err) {
      throw parseError(`cannot parse PEM encoded certificate: ${(err as Error).message}`, err)
    }
    const blocks = decodePemBlocks(keyPem)
    if (blocks.length === 0) throw parseError('cannot parse PEM encoded private key: no PEM blocks found')
    const keyBlock = blocks.find((b) => b.type === 'PRIVATE KEY')
    let key: KeyObject | undefined
    if (keyBlock !== undefined) {
      try {
        key = createPrivateKey({key: keyBlock.der, format: 'der', type: 'pkcs8'})
      } catch (err) {
        throw parseError(`cannot parse PEM encoded private key: ${(err as Error).message}`, err)
      }
    }
    return X509Svid.create(certs, key)
  }

  /** Concatenated DER certificates and a PKCS#8 DER key (go-spiffe `x509svid.ParseRaw`). */
  static parseRaw(certDer: Uint8Array, keyDer: Uint8Array): X509Svid {
    let certs: X509Certificate[]
    try {
      certs = parseCertificates(certDer)
    } catch (err) {
      throw parseError(`cannot parse DER encoded certificate: ${(err as Error).message}`, err)
    }
    let key: KeyObject
    try {
      key = createPrivateKey({key: Buffer.from(keyDer), format: 'der', type: 'pkcs8'})
    } catch (err) {
      throw parseError(`cannot parse DER encoded private key: ${(err as Error).message}`, err)
    }
    return X509Svid.create(certs, key)
  }

  /**
   * go-spiffe `x509svid.Verify`: leaf ID, CA flag and key-usage checks, then path validation to an
   * authority of the bundle for the leaf's own trust domain, through `certs[1:]` as intermediates.
   * Asynchronous: signatures are checked with WebCrypto.
   */
  static async verify(certs: readonly (X509Certificate | Uint8Array)[], bundleSource: X509BundleSource, options: VerifyOptions = {}): Promise<VerifiedX509Svid> {
    if (certs.length === 0) throw verifyError('empty certificates chain')
    const parsed = certs.map(parsedForVerify)
    const leaf = certFields(parsed[0]!)
    let id: SpiffeId
    try {
      id = idFromCert(leaf)
    } catch (err) {
      throw verifyError(`could not get leaf SPIFFE ID: ${(err as Error).message}`)
    }
    if (leaf.isCA) throw verifyError('leaf certificate with CA flag set to true')
    if (leaf.keyUsage & KEY_USAGE.keyCertSign) throw verifyError('leaf certificate with KeyCertSign key usage')
    if (leaf.keyUsage & KEY_USAGE.cRLSign) throw verifyError('leaf certificate with KeyCrlSign key usage')
    let roots: readonly X509Certificate[]
    try {
      roots = bundleSource.getX509BundleForTrustDomain(id.trustDomain).x509Authorities()
    } catch (err) {
      throw verifyError(`could not get X509 bundle: ${(err as Error).message}`)
    }
    try {
      const chain = await verifyChain(parsed[0]!, roots, parsed.slice(1), (options.now ?? (() => new Date()))())
      const revoked = await revokedInChain(chain, options.crls ?? [])
      if (revoked !== undefined) throw verifyError(`could not verify leaf certificate: certificate revoked (serial ${revoked})`)
      return {id, chains: [chain]}
    } catch (err) {
      if (err instanceof ChainError) throw verifyError(`could not verify leaf certificate: ${err.message}`)
      throw err
    }
  }

  /** go-spiffe `ParseAndVerify`: each DER certificate parsed first (`unable to parse certificate`). */
  static async parseAndVerify(rawCerts: readonly Uint8Array[], bundleSource: X509BundleSource, options: VerifyOptions = {}): Promise<VerifiedX509Svid> {
    return X509Svid.verify(rawCerts.map(parsedForVerify), bundleSource, options)
  }

  get leaf(): X509Certificate {
    return this.certificates[0]!
  }

  withHint(hint: string): X509Svid {
    return new X509Svid(this.id, this.certificates, this.privateKey, hint)
  }

  /** PEM certificates (leaf first) and PEM PKCS#8 key. */
  marshal(): {certificates: string; privateKey: string} {
    return {
      certificates: this.certificates.map((c) => toPem('CERTIFICATE', c.raw)).join(''),
      privateKey: this.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    }
  }

  /** Concatenated DER certificates and PKCS#8 DER key (the Workload API form). */
  marshalRaw(): {certificates: Buffer; privateKey: Buffer} {
    return {
      certificates: Buffer.concat(this.certificates.map((c) => c.raw)),
      privateKey: this.privateKey.export({type: 'pkcs8', format: 'der'}),
    }
  }
}
