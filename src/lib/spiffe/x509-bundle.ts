/**
 * An X.509 bundle: the CA certificates trusted for one trust domain (go-spiffe v2 `bundle/x509bundle`;
 * SPIFFE_Trust_Domain_and_Bundle.md §4). Immutable; parse errors are BadParameterError and lookups of
 * another trust domain NotFoundError, both with go-spiffe's messages (the reason after
 * `cannot parse certificate:` is the certificate library's).
 */
import {X509Certificate} from 'node:crypto'
import {CertParseError, parseCertificate, parseCertificates, parsePemCertificates} from '../ca/certificates.js'
import {toPem} from '../ca/pem.js'
import {BadParameterError, NotFoundError} from '../errors.js'
import type {X509BundleSource} from './bundle.js'
import type {TrustDomain} from './id.js'

function wrap(message: string, cause?: unknown): BadParameterError {
  return new BadParameterError(`x509bundle: ${message}`, {cause})
}

function dedupe(certs: readonly X509Certificate[]): X509Certificate[] {
  const out: X509Certificate[] = []
  for (const c of certs) if (!out.some((o) => o.raw.equals(c.raw))) out.push(c)
  return out
}

function toCertificate(cert: X509Certificate | Uint8Array): X509Certificate {
  try {
    return parseCertificate(cert)
  } catch (err) {
    if (err instanceof CertParseError) throw wrap(`cannot parse certificate: ${err.message}`, err)
    throw err
  }
}

export class X509Bundle implements X509BundleSource {
  private readonly authorities: readonly X509Certificate[]

  private constructor(
    readonly trustDomain: TrustDomain,
    authorities: readonly X509Certificate[],
  ) {
    this.authorities = dedupe(authorities)
  }

  static empty(trustDomain: TrustDomain): X509Bundle {
    return new X509Bundle(trustDomain, [])
  }

  /** From certificates (node X509Certificate or DER); duplicates are dropped. */
  static fromX509Authorities(trustDomain: TrustDomain, authorities: readonly (X509Certificate | Uint8Array)[]): X509Bundle {
    return new X509Bundle(trustDomain, authorities.map(toCertificate))
  }

  /** PEM CERTIFICATE blocks; empty input is an empty bundle (go-spiffe `x509bundle.Parse`). */
  static parse(trustDomain: TrustDomain, pem: string | Uint8Array): X509Bundle {
    if (pem.length === 0) return X509Bundle.empty(trustDomain)
    try {
      return new X509Bundle(trustDomain, parsePemCertificates(pem))
    } catch (err) {
      if (err instanceof CertParseError) throw wrap(`cannot parse certificate: ${err.message}`, err)
      throw err
    }
  }

  /** Concatenated DER certificates (the Workload API form); empty input is an empty bundle. */
  static parseRaw(trustDomain: TrustDomain, der: Uint8Array): X509Bundle {
    try {
      return new X509Bundle(trustDomain, parseCertificates(der))
    } catch (err) {
      if (err instanceof CertParseError) throw wrap(`cannot parse certificate: ${err.message}`, err)
      throw err
    }
  }


  x509Authorities(): X509Certificate[] {
    return [...this.authorities]
  }

  hasX509Authority(cert: X509Certificate | Uint8Array): boolean {
    const der = cert instanceof X509Certificate ? cert.raw : Buffer.from(cert)
    return this.authorities.some((a) => a.raw.equals(der))
  }

  isEmpty(): boolean {
    return this.authorities.length === 0
  }

  /** PEM, one CERTIFICATE block per authority. */
  marshal(): string {
    return this.authorities.map((a) => toPem('CERTIFICATE', a.raw)).join('')
  }

  /** Concatenated DER. */
  marshalRaw(): Buffer {
    return Buffer.concat(this.authorities.map((a) => a.raw))
  }

  equals(other: X509Bundle): boolean {
    return (
      this.trustDomain.equals(other.trustDomain) &&
      this.authorities.length === other.authorities.length &&
      this.authorities.every((a, i) => a.raw.equals(other.authorities[i]!.raw))
    )
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new NotFoundError(`x509bundle: no X.509 bundle found for trust domain: ${JSON.stringify(trustDomain.name)}`)
    }
    return this
  }
}
