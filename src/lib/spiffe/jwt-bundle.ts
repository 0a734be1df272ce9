/**
 * A JWT bundle: the JWT-SVID signing keys trusted for one trust domain, keyed by `kid` (go-spiffe v2
 * `bundle/jwtbundle`; JWT-SVID.md §6). Parses a plain RFC 7517 JWKS, ignoring `use`; every key needs
 * a kid. Keys go through ca/jwk.ts (node:crypto's JWK import); go-spiffe's messages stay on top.
 */
import type {KeyObject} from 'node:crypto'
import {jwkMembers, parseJwk, type Jwk} from '../ca/jwk.js'
import {BadParameterError, NotFoundError} from '../errors.js'
import type {JwtBundleSource} from './bundle.js'
import type {TrustDomain} from './id.js'

function wrap(message: string, cause?: unknown): BadParameterError {
  return new BadParameterError(`jwtbundle: ${message}`, {cause})
}

/** A JWKS document (RFC 7517 §5): a JSON object whose `keys`, when present, is an array. */
export function parseJwksDocument(json: string | Uint8Array): {doc: Record<string, unknown>; keys: unknown[] | undefined} {
  const doc: unknown = JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8'))
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('a JWK Set must be a JSON object')
  const keys = (doc as Record<string, unknown>)['keys']
  if (keys === undefined || keys === null) return {doc: doc as Record<string, unknown>, keys: undefined}
  if (!Array.isArray(keys)) throw new Error('"keys" must be an array')
  return {doc: doc as Record<string, unknown>, keys}
}

/** A public key as go-jose marshals it in a JWKS: `use`, `kty`, `kid`, then the key members. */
export function marshalJwk(key: KeyObject, extra: {use?: string; kid?: string; x5c?: readonly string[]}): Jwk {
  const {kty, ...material} = jwkMembers(key)
  return {
    ...(extra.use === undefined ? {} : {use: extra.use}),
    kty,
    ...(extra.kid === undefined ? {} : {kid: extra.kid}),
    ...material,
    ...(extra.x5c === undefined ? {} : {x5c: extra.x5c}),
  }
}

export class JwtBundle implements JwtBundleSource {
  private readonly authorities: ReadonlyMap<string, KeyObject>

  private constructor(
    readonly trustDomain: TrustDomain,
    authorities: ReadonlyMap<string, KeyObject>,
  ) {
    this.authorities = new Map(authorities)
  }

  static empty(trustDomain: TrustDomain): JwtBundle {
    return new JwtBundle(trustDomain, new Map())
  }

  /** From `kid → public key`; an empty kid is refused as go-spiffe's AddJWTAuthority does. */
  static fromJwtAuthorities(trustDomain: TrustDomain, authorities: ReadonlyMap<string, KeyObject> | Readonly<Record<string, KeyObject>>): JwtBundle {
    const map = authorities instanceof Map ? new Map(authorities) : new Map(Object.entries(authorities))
    if (map.has('')) throw wrap('keyID cannot be empty')
    return new JwtBundle(trustDomain, map)
  }

  static parse(trustDomain: TrustDomain, json: string | Uint8Array): JwtBundle {
    let keys: unknown[] | undefined
    const parsed: Array<{kid?: string; key: KeyObject}> = []
    try {
      keys = parseJwksDocument(json).keys
      for (const k of keys ?? []) parsed.push(parseJwk(k))
    } catch (err) {
      throw wrap(`unable to parse JWKS: ${(err as Error).message}`, err)
    }
    const map = new Map<string, KeyObject>()
    parsed.forEach((p, i) => {
      if (p.kid === undefined || p.kid === '') throw wrap(`error adding authority ${i} of JWKS: keyID cannot be empty`)
      map.set(p.kid, p.key)
    })
    return new JwtBundle(trustDomain, map)
  }


  jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return new Map(this.authorities)
  }

  findJwtAuthority(kid: string): KeyObject | undefined {
    return this.authorities.get(kid)
  }

  hasJwtAuthority(kid: string): boolean {
    return this.authorities.has(kid)
  }

  isEmpty(): boolean {
    return this.authorities.size === 0
  }

  /** A plain JWKS (no SPIFFE members), as go-spiffe's `jwtbundle.Marshal`. */
  marshal(): string {
    return JSON.stringify({keys: [...this.authorities].map(([kid, key]) => marshalJwk(key, {kid}))})
  }

  equals(other: JwtBundle): boolean {
    if (!this.trustDomain.equals(other.trustDomain) || this.authorities.size !== other.authorities.size) return false
    for (const [kid, key] of this.authorities) {
      const theirs = other.authorities.get(kid)
      if (theirs === undefined || !theirs.equals(key)) return false
    }
    return true
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new NotFoundError(`jwtbundle: no JWT bundle for trust domain ${JSON.stringify(trustDomain.name)}`)
    }
    return this
  }
}
