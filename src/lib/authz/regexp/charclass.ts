/**
 * Character classes for the Go RE2 → JavaScript translation: explicit code point ranges (so Go's
 * ASCII-only `\s`, `\w`, POSIX classes and their negations mean exactly what they mean in Go), plus
 * Unicode property atoms (`\p{L}`) that JavaScript's `u` mode understands natively.
 */

export const MAX_RUNE = 0x10ffff

export class CharClass {
  private ranges: Array<[number, number]> = []
  /** JavaScript property escapes, e.g. `\p{L}` or `\P{Script=Greek}`. */
  private readonly properties: string[] = []

  addRange(lo: number, hi: number, fold: boolean): void {
    this.ranges.push([lo, hi])
    if (fold) for (const cp of foldedVariants(lo, hi)) this.ranges.push([cp, cp])
  }

  addRanges(ranges: readonly (readonly [number, number])[], negate: boolean, fold: boolean): void {
    for (const [lo, hi] of negate ? complement(ranges) : ranges) this.addRange(lo, hi, fold)
  }

  addProperty(escape: string): void {
    this.properties.push(escape)
  }

  /** JavaScript source for a `u`-mode class. */
  toSource(negated: boolean): string {
    const parts = normalize(this.ranges).map(([lo, hi]) => (lo === hi ? escapeCodePoint(lo) : `${escapeCodePoint(lo)}-${escapeCodePoint(hi)}`))
    return `[${negated ? '^' : ''}${parts.join('')}${this.properties.join('')}]`
  }
}

/** Letters and digits as themselves, everything else as `\u{…}`: valid in and out of `u`-mode classes. */
export function escapeCodePoint(cp: number): string {
  const isAlnum = (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
  return isAlnum ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`
}

function normalize(ranges: readonly (readonly [number, number])[]): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: Array<[number, number]> = []
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi)
    else out.push([lo, hi])
  }
  return out
}

function complement(ranges: readonly (readonly [number, number])[]): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let next = 0
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1])
    next = hi + 1
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE])
  return out
}

// Go's simple case folding orbits include a few characters that toLowerCase/toUpperCase miss.
const EXTRA_FOLDS: Readonly<Record<number, readonly number[]>> = {
  0x4b: [0x212a], 0x6b: [0x212a], 0x212a: [0x4b, 0x6b],
  0x53: [0x17f], 0x73: [0x17f], 0x17f: [0x53, 0x73],
  0xc5: [0x212b], 0xe5: [0x212b], 0x212b: [0xc5, 0xe5],
}

/** Every code point that case-folds to the same orbit as `cp` (Go's `(?i)`), `cp` included. */
export function foldOrbit(cp: number): number[] {
  const orbit = new Set<number>([cp])
  const queue = [cp]
  while (queue.length > 0) {
    const c = queue.pop() as number
    const s = String.fromCodePoint(c)
    for (const variant of [s.toLowerCase(), s.toUpperCase()]) {
      const v = variant.codePointAt(0)
      if (v !== undefined && [...variant].length === 1 && !orbit.has(v)) {
        orbit.add(v)
        queue.push(v)
      }
    }
    for (const extra of EXTRA_FOLDS[c] ?? []) {
      if (!orbit.has(extra)) {
        orbit.add(extra)
        queue.push(extra)
      }
    }
  }
  return [...orbit]
}

// Folding is done code point by code point; huge ranges almost always hold both cases already.
const FOLD_RANGE_LIMIT = 0x3000

function foldedVariants(lo: number, hi: number): number[] {
  if (hi - lo > FOLD_RANGE_LIMIT) return []
  const out: number[] = []
  for (let cp = lo; cp <= hi; cp++) for (const v of foldOrbit(cp)) if (v < lo || v > hi) out.push(v)
  return out
}

type Ranges = readonly (readonly [number, number])[]

/** Go's Perl classes (`\d`, `\s`, `\w`): ASCII only. */
export const PERL_CLASSES: Readonly<Record<string, Ranges>> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
}

/** Go's POSIX classes, valid only inside brackets (`[[:alpha:]]`, `[[:^alpha:]]`). */
export const POSIX_CLASSES: Readonly<Record<string, Ranges>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
}

// Go's unicode.Categories (regexp/syntax accepts these names plus scripts and "Any").
const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
])

/** The JavaScript property escape for a Go Unicode class name, or undefined if Go would reject it. */
export function unicodePropertyEscape(name: string, negated: boolean): string | undefined {
  let body: string
  if (name === 'Any') body = 'Any'
  else if (GENERAL_CATEGORIES.has(name)) body = name
  else if (/^[A-Z][A-Za-z_]*$/.test(name)) body = `Script=${name}`
  else return undefined
  const escape = `\\${negated ? 'P' : 'p'}{${body}}`
  try {
    new RegExp(escape, 'u')
  } catch {
    return undefined
  }
  return escape
}
