/**
 * SPIFFE IDs and trust domains, parsed byte by byte exactly as go-spiffe's `spiffeid.FromString`,
 * `TrustDomainFromString` and `ValidatePath` do (go-spiffe v2 `spiffeid`; SPIFFE-ID.md §2): same check order, same error
 * categories, same messages. A value of these types is always valid; the inside trusts it.
 */
import {SpiffeIdError, type SpiffeIdErrorCode} from '../errors.js'

const SCHEME_PREFIX = 'spiffe://'

const MESSAGES: Record<SpiffeIdErrorCode, string> = {
  SPIFFEID_EMPTY: 'cannot be empty',
  SPIFFEID_WRONG_SCHEME: 'scheme is missing or invalid',
  SPIFFEID_BAD_TRUST_DOMAIN_CHAR:
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  SPIFFEID_MISSING_TRUST_DOMAIN: 'trust domain is missing',
  SPIFFEID_EMPTY_SEGMENT: 'path cannot contain empty segments',
  SPIFFEID_DOT_SEGMENT: 'path cannot contain dot segments',
  SPIFFEID_BAD_PATH_CHAR: 'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  SPIFFEID_TRAILING_SLASH: 'path cannot have a trailing slash',
  SPIFFEID_NO_LEADING_SLASH: 'path must have a leading slash',
}

function fail(code: SpiffeIdErrorCode): never {
  throw new SpiffeIdError(code, MESSAGES[code])
}

/** `a-z 0-9 - . _` (SPIFFE-ID.md §2.1). */
function isTrustDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f
}

/** `a-z A-Z 0-9 - . _` (SPIFFE-ID.md §2.2). */
function isPathChar(c: number): boolean {
  return isTrustDomainChar(c) || (c >= 0x41 && c <= 0x5a)
}

function checkSegmentEnd(path: string, segStart: number, end: number): void {
  const seg = path.slice(segStart, end)
  if (seg === '/') fail('SPIFFEID_EMPTY_SEGMENT')
  if (seg === '/.' || seg === '/..') fail('SPIFFEID_DOT_SEGMENT')
}

/** go-spiffe `ValidatePath`: empty is valid; otherwise a leading slash and clean segments. */
export function validatePath(path: string): void {
  if (path === '') return
  if (path.charCodeAt(0) !== 0x2f) fail('SPIFFEID_NO_LEADING_SLASH')
  let segStart = 0
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 0x2f) {
      if (i > 0) checkSegmentEnd(path, segStart, i)
      segStart = i
      continue
    }
    if (!isPathChar(c)) fail('SPIFFEID_BAD_PATH_CHAR')
  }
  const last = path.slice(segStart)
  if (last === '/') fail('SPIFFEID_TRAILING_SLASH')
  if (last === '/.' || last === '/..') fail('SPIFFEID_DOT_SEGMENT')
}

/** go-spiffe `ValidatePathSegment`: one segment on its own, with no slashes. */
export function validatePathSegment(segment: string): void {
  if (segment === '') fail('SPIFFEID_EMPTY_SEGMENT')
  if (segment === '.' || segment === '..') fail('SPIFFEID_DOT_SEGMENT')
  for (let i = 0; i < segment.length; i++) if (!isPathChar(segment.charCodeAt(i))) fail('SPIFFEID_BAD_PATH_CHAR')
}

export class TrustDomain {
  private constructor(readonly name: string) {}

  /** go-spiffe `TrustDomainFromString`: a bare name, or any full SPIFFE ID (anything with `:/`). */
  static parse(input: string): TrustDomain {
    if (input === '') fail('SPIFFEID_MISSING_TRUST_DOMAIN')
    if (input.includes(':/')) return SpiffeId.parse(input).trustDomain
    for (let i = 0; i < input.length; i++) {
      if (!isTrustDomainChar(input.charCodeAt(i))) fail('SPIFFEID_BAD_TRUST_DOMAIN_CHAR')
    }
    return new TrustDomain(input)
  }

  /** `spiffe://<td>`: the form used as a key in Workload API bundle maps. */
  idString(): string {
    return SCHEME_PREFIX + this.name
  }

  id(): SpiffeId {
    return SpiffeId.fromPath(this, '')
  }

  equals(other: TrustDomain): boolean {
    return this.name === other.name
  }

  toString(): string {
    return this.name
  }

  toJSON(): string {
    return this.name
  }
}

export class SpiffeId {
  private constructor(
    readonly trustDomain: TrustDomain,
    /** `""` or `/seg/...`. */
    readonly path: string,
  ) {}

  /** go-spiffe `FromString`, check for check (go-spiffe v2 spiffeid/id.go). */
  static parse(input: string): SpiffeId {
    if (input === '') fail('SPIFFEID_EMPTY')
    if (!input.startsWith(SCHEME_PREFIX)) fail('SPIFFEID_WRONG_SCHEME')
    let i = SCHEME_PREFIX.length
    for (; i < input.length; i++) {
      const c = input.charCodeAt(i)
      if (c === 0x2f) break
      if (!isTrustDomainChar(c)) fail('SPIFFEID_BAD_TRUST_DOMAIN_CHAR')
    }
    if (i === SCHEME_PREFIX.length) fail('SPIFFEID_MISSING_TRUST_DOMAIN')
    const td = input.slice(SCHEME_PREFIX.length, i)
    const path = input.slice(i)
    validatePath(path)
    return new SpiffeId(TrustDomain.parse(td), path)
  }

  /** go-spiffe `FromPath`: a trust domain plus a path that must be valid. */
  static fromPath(td: TrustDomain, path: string): SpiffeId {
    validatePath(path)
    return new SpiffeId(td, path)
  }

  /** go-spiffe `FromSegments`: each segment validated on its own. */
  static fromSegments(td: TrustDomain, ...segments: string[]): SpiffeId {
    for (const s of segments) validatePathSegment(s)
    return new SpiffeId(td, segments.map((s) => '/' + s).join(''))
  }

  memberOf(td: TrustDomain): boolean {
    return this.trustDomain.equals(td)
  }

  /** True for `spiffe://td` alone, which no leaf SVID may carry (X509-SVID.md §2). */
  isRoot(): boolean {
    return this.path === ''
  }

  equals(other: SpiffeId): boolean {
    return this.trustDomain.equals(other.trustDomain) && this.path === other.path
  }

  toString(): string {
    return SCHEME_PREFIX + this.trustDomain.name + this.path
  }

  toJSON(): string {
    return this.toString()
  }
}
