/**
 * Backslash escapes of Go's RE2 syntax (`regexp/syntax` parseEscape, parseUnicodeClass,
 * parsePerlClassEscape), shared by the top level and bracket classes. Positions index the
 * JavaScript string; errors quote the consumed source as Go does.
 */
import {GoRegexpCode, GoRegexpError} from './errors.js'
import {MAX_RUNE, PERL_CLASSES, unicodePropertyEscape} from './charclass.js'

export interface Parsed<T> {
  readonly value: T
  /** Index just past what was consumed. */
  readonly end: number
}

function codePointAt(src: string, pos: number): number | undefined {
  return pos < src.length ? src.codePointAt(pos) : undefined
}

function width(cp: number): number {
  return cp > 0xffff ? 2 : 1
}

function isAsciiAlnum(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
}

function unhex(cp: number | undefined): number {
  if (cp === undefined) return -1
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30
  if (cp >= 0x61 && cp <= 0x66) return cp - 0x61 + 10
  if (cp >= 0x41 && cp <= 0x46) return cp - 0x41 + 10
  return -1
}

const isOctal = (cp: number | undefined): boolean => cp !== undefined && cp >= 0x30 && cp <= 0x37

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {a: 7, f: 12, n: 10, r: 13, t: 9, v: 11}

/** A single-character escape at `pos` (which holds the backslash): its code point. */
export function parseEscape(src: string, pos: number): Parsed<number> {
  const c = codePointAt(src, pos + 1)
  if (c === undefined) throw new GoRegexpError(GoRegexpCode.trailingBackslash, '')
  let t = pos + 1 + width(c)
  const fail = (end: number): never => {
    throw new GoRegexpError(GoRegexpCode.invalidEscape, src.slice(pos, end))
  }
  // Escaped ASCII punctuation is always itself (`\_` included).
  if (c < 0x80 && !isAsciiAlnum(c)) return {value: c, end: t}
  const ch = String.fromCodePoint(c)
  if (ch >= '1' && ch <= '7' && !isOctal(codePointAt(src, t))) fail(t) // a backreference: unsupported
  if (ch >= '0' && ch <= '7') {
    let value = c - 0x30
    for (let i = 1; i < 3 && isOctal(codePointAt(src, t)); i++, t++) value = value * 8 + ((codePointAt(src, t) as number) - 0x30)
    return {value, end: t}
  }
  if (ch === 'x') return parseHexEscape(src, t, fail)
  const simple = SIMPLE_ESCAPES[ch]
  if (simple !== undefined) return {value: simple, end: t}
  return fail(t)
}

function parseHexEscape(src: string, t: number, fail: (end: number) => never): Parsed<number> {
  const first = codePointAt(src, t)
  if (first === undefined) return fail(t)
  t += width(first)
  if (first === 0x7b) {
    let value = 0
    let digits = 0
    for (;;) {
      const d = codePointAt(src, t)
      if (d === undefined) return fail(t)
      t += width(d)
      if (d === 0x7d) break
      const v = unhex(d)
      if (v < 0) return fail(t)
      value = value * 16 + v
      if (value > MAX_RUNE) return fail(t)
      digits++
    }
    return digits === 0 ? fail(t) : {value, end: t}
  }
  const second = codePointAt(src, t)
  if (second !== undefined) t += width(second)
  const x = unhex(first)
  const y = unhex(second)
  return x < 0 || y < 0 ? fail(t) : {value: x * 16 + y, end: t}
}

/** `\pL`, `\p{Greek}`, `\P{^Lu}` at `pos`, as a JavaScript property escape; undefined if not one. */
export function parseUnicodeClass(src: string, pos: number): Parsed<string> | undefined {
  const kind = src[pos + 1]
  if (src[pos] !== '\\' || (kind !== 'p' && kind !== 'P')) return undefined
  let negated = kind === 'P'
  let name: string
  let end: number
  const c = codePointAt(src, pos + 2)
  if (c !== 0x7b) {
    end = c === undefined ? pos + 2 : pos + 2 + width(c)
    name = src.slice(pos + 2, end)
  } else {
    const close = src.indexOf('}', pos)
    if (close < 0) throw new GoRegexpError(GoRegexpCode.invalidCharRange, src.slice(pos))
    end = close + 1
    name = src.slice(pos + 3, close)
  }
  if (name.startsWith('^')) {
    negated = !negated
    name = name.slice(1)
  }
  const escape = unicodePropertyEscape(name, negated)
  if (escape === undefined) throw new GoRegexpError(GoRegexpCode.invalidCharRange, src.slice(pos, end))
  return {value: escape, end}
}

/** `\d \D \s \S \w \W` at `pos`: the class name and whether it is negated; undefined if not one. */
export function parsePerlClass(src: string, pos: number): Parsed<{name: string; negated: boolean}> | undefined {
  if (src[pos] !== '\\') return undefined
  const letter = src[pos + 1]
  if (letter === undefined) return undefined
  const name = letter.toLowerCase()
  if (PERL_CLASSES[name] === undefined || !'dswDSW'.includes(letter)) return undefined
  return {value: {name, negated: letter !== name}, end: pos + 2}
}
