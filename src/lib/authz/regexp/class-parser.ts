/**
 * Bracket classes of Go's RE2 syntax (`regexp/syntax` parseClass): `]` and `-` literal when first,
 * `-` literal anywhere it cannot form a range (Perl mode), POSIX `[:name:]` groups, Perl and
 * Unicode classes inside, folded ranges under `(?i)`. Negated classes match `\n` (Go's ClassNL).
 */
import {CharClass, PERL_CLASSES, POSIX_CLASSES} from './charclass.js'
import {GoRegexpCode, GoRegexpError} from './errors.js'
import {parseEscape, parsePerlClass, parseUnicodeClass, type Parsed} from './escape.js'

/** The class starting at `pos` (which holds `[`), as JavaScript `u`-mode source. */
export function parseClass(src: string, pos: number, fold: boolean): Parsed<string> {
  const cls = new CharClass()
  let t = pos + 1
  let negated = false
  if (src[t] === '^') {
    negated = true
    t++
  }
  let first = true
  while (t >= src.length || src[t] !== ']' || first) {
    first = false
    const step = parseClassItem(src, pos, t, cls, fold)
    t = step
  }
  return {value: cls.toSource(negated), end: t + 1}
}

/** One item (named group, property, Perl class, char or range) at `t`; returns the next index. */
function parseClassItem(src: string, classStart: number, t: number, cls: CharClass, fold: boolean): number {
  if (src.startsWith('[:', t)) {
    const named = parseNamedClass(src, t)
    if (named !== undefined) {
      cls.addRanges(named.value.ranges, named.value.negated, fold)
      return named.end
    }
  }
  const property = parseUnicodeClass(src, t)
  if (property !== undefined) {
    cls.addProperty(property.value)
    return property.end
  }
  const perl = parsePerlClass(src, t)
  if (perl !== undefined) {
    cls.addRanges(PERL_CLASSES[perl.value.name] ?? [], perl.value.negated, fold)
    return perl.end
  }
  const rangeStart = t
  const lo = parseClassChar(src, classStart, t)
  let hi = lo.value
  t = lo.end
  // `[a-]` means a or -, so a range needs something other than `]` after the dash.
  if (src[t] === '-' && t + 1 < src.length && src[t + 1] !== ']') {
    const upper = parseClassChar(src, classStart, t + 1)
    hi = upper.value
    t = upper.end
    if (hi < lo.value) throw new GoRegexpError(GoRegexpCode.invalidCharRange, src.slice(rangeStart, t))
  }
  cls.addRange(lo.value, hi, fold)
  return t
}

function parseClassChar(src: string, classStart: number, t: number): Parsed<number> {
  if (t >= src.length) throw new GoRegexpError(GoRegexpCode.missingBracket, src.slice(classStart))
  if (src[t] === '\\') return parseEscape(src, t)
  const cp = src.codePointAt(t) as number
  return {value: cp, end: t + (cp > 0xffff ? 2 : 1)}
}

type NamedClass = {ranges: readonly (readonly [number, number])[]; negated: boolean}

function parseNamedClass(src: string, t: number): Parsed<NamedClass> | undefined {
  const close = src.indexOf(':]', t + 2)
  if (close < 0) return undefined
  const whole = src.slice(t, close + 2)
  let name = src.slice(t + 2, close)
  const negated = name.startsWith('^')
  if (negated) name = name.slice(1)
  const ranges = POSIX_CLASSES[name]
  if (ranges === undefined) throw new GoRegexpError(GoRegexpCode.invalidCharRange, whole)
  return {value: {ranges, negated}, end: close + 2}
}
