/**
 * The smallest DER reader the fast leaf path needs: definite-length TLVs walked without copying, to
 * check client-supplied SPKI (spki.ts) and to take the issuer's raw subject and the key bits the SKI
 * hashes (x509-leaf.ts). Reading certificates in general is @peculiar/x509's job (../cert-fields.ts).
 * Any structural problem throws DerError; callers turn it into their own message.
 */

export class DerError extends Error {}

export interface Tlv {
  readonly tag: number
  /** Offset of the tag byte in the source buffer. */
  readonly start: number
  /** Offset of the first content byte. */
  readonly contentStart: number
  /** Offset just past the contents. */
  readonly end: number
  readonly source: Buffer
}

/** The contents of a TLV (a view, not a copy). */
export function contents(t: Tlv): Buffer {
  return t.source.subarray(t.contentStart, t.end)
}

/** The whole encoding of a TLV, tag and length included (a view). */
export function whole(t: Tlv): Buffer {
  return t.source.subarray(t.start, t.end)
}

/** Read one TLV at `offset`, which must end at or before `limit`. */
export function readTlv(source: Buffer, offset: number, limit = source.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated')
  const tag = source[offset]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported')
  let length = source[offset + 1]!
  let contentStart = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4) throw new DerError('unsupported length')
    if (contentStart + count > limit) throw new DerError('truncated')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + source[contentStart + i]!
    contentStart += count
  }
  const end = contentStart + length
  if (end > limit) throw new DerError('truncated')
  return {tag, start: offset, contentStart, end, source}
}

/** The child TLVs of a constructed value. */
export function children(parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(parent.source, at, parent.end)
    out.push(child)
    at = child.end
  }
  return out
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined || t.tag !== tag) throw new DerError(`expected ${what}`)
  return t
}
