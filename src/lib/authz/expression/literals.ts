/**
 * Go scanner details for literals: escape digit rules, `%#U` rune formatting, and the complaints
 * go/scanner makes about malformed number literals.
 */
import type {TokenKind} from './lexer.js'

export const ESCAPE_DIGITS: Readonly<Record<string, {digits: number; base: number; max: number}>> = {
  ...Object.fromEntries('01234567'.split('').map((d) => [d, {digits: 3, base: 8, max: 255}])),
  x: {digits: 2, base: 16, max: 255},
  u: {digits: 4, base: 16, max: 0x10ffff},
  U: {digits: 8, base: 16, max: 0x10ffff},
}

/** Go `%#U`: `U+0040 '@'` (the character only when printable). */
export function formatRune(cp: number): string {
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0')
  const ch = String.fromCodePoint(cp)
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `${hex} '${ch}'` : hex
}

/** Go scanner complaints about a number literal, with the offset (in the literal) they point at. */
export function numberProblem(text: string, kind: TokenKind): {at: number; message: string} | undefined {
  const body = text.replace(/i$/, '')
  const prefix = /^0[xXbBoO]/.test(body) ? body.slice(0, 2).toLowerCase() : ''
  const digits = body.slice(prefix.length)
  const name = {'0x': 'hexadecimal', '0b': 'binary', '0o': 'octal', '': 'decimal'}[prefix] ?? 'decimal'
  if (prefix !== '' && !/[0-9a-fA-F]/.test(digits.replace(/[pP].*$/, ''))) return {at: 0, message: `${name} literal has no digits`}
  if (/[eEpP][+-]?_*$/.test(digits) && prefix !== '0b' && prefix !== '0o') return {at: body.length, message: 'exponent has no digits'}
  if (prefix === '0x' && kind === 'FLOAT' && !/[pP]/.test(digits)) return {at: 0, message: "hexadecimal mantissa requires a 'p' exponent"}
  const allowed = prefix === '0b' ? /[^01_]/ : prefix === '0o' || (prefix === '' && /^0[0-9_]+$/.test(body)) ? /[^0-7_]/ : undefined
  const bad = allowed?.exec(digits)
  if (bad !== undefined && bad !== null) {
    return {at: prefix.length + bad.index, message: `invalid digit '${bad[0]}' in ${prefix === '0b' ? 'binary' : 'octal'} literal`}
  }
  const sep = /__|_$|^_|_\.|\._|_[eEpP]/.exec(digits)
  if (sep !== null) return {at: prefix.length + sep.index, message: "'_' must separate successive digits"}
  return undefined
}
