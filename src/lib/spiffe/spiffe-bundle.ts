/**
 * A SPIFFE bundle: the JWKS document of SPIFFE_Trust_Domain_and_Bundle.md §4 carrying both X.509 and
 * JWT authorities for one trust domain, plus `spiffe_sequence` and `spiffe_refresh_hint` (go-spiffe
 * v2 `bundle/spiffebundle`, its top-level messages included; keys parsed by ca/jwk.ts).
 *
 * One deliberate difference: an empty bundle marshals `"keys":[]` (the spec's MUST) where go-spiffe
 * writes `"keys":null`, which its own parser then rejects.
 */
import {X509Certificate, type KeyObject} from 'node:crypto'
import {parseJwk, type Jwk, type ParsedJwk} from '../ca/jwk.js'
import {BadParameterError, NotFoundError} from '../errors.js'
import type {JwtBundleSource, X509BundleSource} from './bundle.js'
import type {TrustDomain} from './id.js'
import {JwtBundle, marshalJwk, parseJwksDocument} from './jwt-bundle.js'
import {X509Bundle} from './x509-bundle.js'

export const X509_SVID_USE = 'x509-svid'
export const JWT_SVID_USE = 'jwt-svid'

function wrap(message: string, cause?: unknown): BadParameterError {
  return new BadParameterError(`spiffebundle: ${message}`, {cause})
}

export interface SpiffeBundleInit {
  readonly x509Authorities?: readonly (X509Certificate | Uint8Array)[]
  readonly jwtAuthorities?: ReadonlyMap<string, KeyObject> | Readonly<Record<string, KeyObject>>
  /** Refresh hint in milliseconds; marshalled as whole seconds rounded up. */
  readonly refreshHintMs?: number
  readonly sequenceNumber?: number
}

function integerMember(doc: Record<string, unknown>, name: string, unsigned: boolean): number | undefined {
  const v = doc[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || (unsigned && v < 0)) {
    throw new Error(`"${name}" must be ${unsigned ? 'a non-negative' : 'an'} integer, not ${JSON.stringify(v)}`)
  }
  return v
}

export class SpiffeBundle implements X509BundleSource, JwtBundleSource {
  private readonly x509: X509Bundle
  private readonly jwt: JwtBundle
  readonly refreshHintMs: number | undefined
  readonly sequenceNumber: number | undefined

  constructor(
    readonly trustDomain: TrustDomain,
    init: SpiffeBundleInit = {},
  ) {
    this.x509 = X509Bundle.fromX509Authorities(trustDomain, init.x509Authorities ?? [])
    this.jwt = JwtBundle.fromJwtAuthorities(trustDomain, init.jwtAuthorities ?? new Map())
    this.refreshHintMs = init.refreshHintMs
    this.sequenceNumber = init.sequenceNumber
  }

  static fromX509Bundle(bundle: X509Bundle): SpiffeBundle {
    return new SpiffeBundle(bundle.trustDomain, {x509Authorities: bundle.x509Authorities()})
  }

  static fromJwtBundle(bundle: JwtBundle): SpiffeBundle {
    return new SpiffeBundle(bundle.trustDomain, {jwtAuthorities: bundle.jwtAuthorities()})
  }

  static parse(trustDomain: TrustDomain, json: string | Uint8Array): SpiffeBundle {
    let keys: unknown[] | undefined
    let sequenceNumber: number | undefined
    let refreshHint: number | undefined
    const entries: ParsedJwk[] = []
    try {
      const {doc, keys: docKeys} = parseJwksDocument(json)
      keys = docKeys
      sequenceNumber = integerMember(doc, 'spiffe_sequence', true)
      refreshHint = integerMember(doc, 'spiffe_refresh_hint', false)
      for (const k of keys ?? []) entries.push(parseJwk(k))
    } catch (err) {
      throw wrap(`unable to parse JWKS: ${(err as Error).message}`, err)
    }
    if (keys === undefined) throw wrap('no authorities found')
    const x509Authorities: X509Certificate[] = []
    const jwtAuthorities = new Map<string, KeyObject>()
    entries.forEach((entry, i) => {
      if (entry.use === X509_SVID_USE) {
        if (entry.certificates.length !== 1) {
          throw wrap(`expected a single certificate in ${X509_SVID_USE} entry ${i}; got ${entry.certificates.length}`)
        }
        x509Authorities.push(entry.certificates[0]!)
      } else if (entry.use === JWT_SVID_USE) {
        if (entry.kid === undefined || entry.kid === '') throw wrap(`error adding authority ${i} of JWKS: keyID cannot be empty`)
        jwtAuthorities.set(entry.kid, entry.key)
      }
      // Any other `use` (or none) is ignored, as the spec and go-spiffe do.
    })
    return new SpiffeBundle(trustDomain, {
      x509Authorities,
      jwtAuthorities,
      ...(refreshHint === undefined ? {} : {refreshHintMs: refreshHint * 1000}),
      ...(sequenceNumber === undefined ? {} : {sequenceNumber}),
    })
  }


  x509Authorities(): X509Certificate[] {
    return this.x509.x509Authorities()
  }

  jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return this.jwt.jwtAuthorities()
  }

  x509Bundle(): X509Bundle {
    return this.x509
  }

  jwtBundle(): JwtBundle {
    return this.jwt
  }

  isEmpty(): boolean {
    return this.x509.isEmpty() && this.jwt.isEmpty()
  }

  /** The SPIFFE bundle JSON: keys (x509-svid entries, then jwt-svid), sequence, refresh hint. */
  marshal(): string {
    const keys: Jwk[] = [
      ...this.x509.x509Authorities().map((c) => marshalJwk(c.publicKey, {use: X509_SVID_USE, x5c: [c.raw.toString('base64')]})),
      ...[...this.jwt.jwtAuthorities()].map(([kid, key]) => marshalJwk(key, {use: JWT_SVID_USE, kid})),
    ]
    const doc: Record<string, unknown> = {keys}
    if (this.sequenceNumber !== undefined) doc['spiffe_sequence'] = this.sequenceNumber
    if (this.refreshHintMs !== undefined) doc['spiffe_refresh_hint'] = Math.ceil(this.refreshHintMs / 1000)
    return JSON.stringify(doc)
  }

  equals(other: SpiffeBundle): boolean {
    return (
      this.x509.equals(other.x509) &&
      this.jwt.equals(other.jwt) &&
      this.refreshHintMs === other.refreshHintMs &&
      this.sequenceNumber === other.sequenceNumber
    )
  }

  private checkTrustDomain(kind: string, trustDomain: TrustDomain): void {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new NotFoundError(`spiffebundle: no ${kind} bundle for trust domain ${JSON.stringify(trustDomain.name)}`)
    }
  }

  getBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle {
    this.checkTrustDomain('SPIFFE', trustDomain)
    return this
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    this.checkTrustDomain('X.509', trustDomain)
    return this.x509
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    this.checkTrustDomain('JWT', trustDomain)
    return this.jwt
  }
}
