/**
 * Translates Go RE2 syntax (what Teleport's label values `^…$` and `regexp.replace` patterns are
 * written in) into an equivalent JavaScript `u`-mode pattern, rejecting what Go rejects with Go's
 * messages. Semantics kept: `.` excludes only `\n`, `^`/`$` anchor the whole text unless `(?m)`,
 * `\s \w \d` are ASCII, inline flags `(?imsU)` are scoped to their group, named groups `(?P<n>…)`.
 * Go has no backtracking blow-up; JavaScript does, so an unbounded repetition over a subexpression
 * that itself repeats unboundedly or alternates is refused (a deliberate, documented divergence).
 */
import {CharClass, PERL_CLASSES, escapeCodePoint, foldOrbit} from './charclass.js'
import {parseClass} from './class-parser.js'
import {GoRegexpCode, GoRegexpError} from './errors.js'
import {parseEscape, parsePerlClass, parseUnicodeClass} from './escape.js'

export interface Translation {
  readonly source: string
  /** Index = group number (0 is the whole match); names of `(?P<name>…)` groups. */
  readonly groupNames: readonly (string | undefined)[]
}

interface Flags {
  i: boolean
  m: boolean
  s: boolean
  U: boolean
}

interface Item {
  readonly source: string
  /** Holds an unbounded repetition or an alternation: repeating it unboundedly could blow up. */
  readonly risky: boolean
}

const MAX_DEPTH = 1000
const MAX_REPEAT = 1000

export function translateGoRegexp(src: string): Translation {
  if (/\p{Cs}/u.test(src)) throw new GoRegexpError(GoRegexpCode.invalidUTF8, src)
  return new Translator(src).run()
}

class Translator {
  private pos = 0
  private readonly names: Array<string | undefined> = [undefined]

  constructor(private readonly src: string) {}

  run(): Translation {
    const body = this.alternation({i: false, m: false, s: false, U: false}, 0)
    if (this.pos < this.src.length) throw new GoRegexpError(GoRegexpCode.unexpectedParen, this.src)
    return {source: body.source, groupNames: this.names}
  }

  private alternation(flags: Flags, depth: number): Item {
    const branches = [this.concat(flags, depth)]
    while (this.src[this.pos] === '|') {
      this.pos++
      branches.push(this.concat(flags, depth))
    }
    return {source: branches.map((b) => b.source).join('|'), risky: branches.length > 1 || branches.some((b) => b.risky)}
  }

  private concat(flags: Flags, depth: number): Item {
    const items: Item[] = []
    let lastRepeatStart = -1
    while (this.pos < this.src.length) {
      const c = this.src[this.pos] as string
      if (c === '|' || c === ')') break
      let repeatStart = -1
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatCountAt(this.pos) !== undefined)) {
        repeatStart = this.pos
        this.repetition(items, flags, lastRepeatStart)
      } else {
        this.atom(c, items, flags, depth)
      }
      lastRepeatStart = repeatStart
    }
    return {source: items.map((i) => i.source).join(''), risky: items.some((i) => i.risky)}
  }

  private atom(c: string, items: Item[], flags: Flags, depth: number): void {
    switch (c) {
      case '(': {
        const group = this.group(flags, depth)
        if (group !== undefined) items.push(group)
        return
      }
      case '[': {
        const cls = parseClass(this.src, this.pos, flags.i)
        this.pos = cls.end
        items.push({source: cls.value, risky: false})
        return
      }
      case '.':
        this.pos++
        items.push({source: flags.s ? '[^]' : '[^\\n]', risky: false})
        return
      case '^':
        this.pos++
        items.push({source: flags.m ? '(?<![^\\n])' : '^', risky: false})
        return
      case '$':
        this.pos++
        items.push({source: flags.m ? '(?![^\\n])' : '$', risky: false})
        return
      case '\\':
        this.escape(items, flags)
        return
      default: {
        const cp = this.src.codePointAt(this.pos) as number
        this.pos += cp > 0xffff ? 2 : 1
        items.push(literal(cp, flags))
      }
    }
  }

  /** `{n}`, `{n,}`, `{n,m}` at `pos` (decimal, no leading zeros); undefined if it is a literal `{`. */
  private repeatCountAt(pos: number): {min: number; max: number; end: number} | undefined {
    const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(this.src.slice(pos))
    if (m === null) return undefined
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === undefined ? -1 : Number(m[3])
    return {min, max, end: pos + m[0].length}
  }

  private repetition(items: Item[], flags: Flags, lastRepeatStart: number): void {
    const start = this.pos
    let quantifier: string
    let unbounded: boolean
    const count = this.src[start] === '{' ? this.repeatCountAt(start) : undefined
    if (count !== undefined) {
      this.pos = count.end
      if (count.min > MAX_REPEAT || count.max > MAX_REPEAT || (count.max >= 0 && count.min > count.max)) {
        throw new GoRegexpError(GoRegexpCode.invalidRepeatSize, this.src.slice(start, this.pos))
      }
      quantifier = count.max === count.min ? `{${count.min}}` : `{${count.min},${count.max < 0 ? '' : count.max}}`
      unbounded = count.max < 0
    } else {
      this.pos++
      quantifier = this.src[start] as string
      unbounded = quantifier !== '?'
    }
    const lazy = this.src[this.pos] === '?'
    if (lazy) this.pos++
    const opText = this.src.slice(start, this.pos)
    if (lastRepeatStart >= 0) throw new GoRegexpError(GoRegexpCode.invalidRepeatOp, this.src.slice(lastRepeatStart, this.pos))
    const last = items.pop()
    if (last === undefined) throw new GoRegexpError(GoRegexpCode.missingRepeatArgument, opText)
    if (unbounded && last.risky) throw new GoRegexpError('unsupported', this.src.slice(0, this.pos))
    items.push({source: `(?:${last.source})${quantifier}${lazy !== flags.U ? '?' : ''}`, risky: last.risky || unbounded})
  }

  /** A group; undefined for a flags-only group like `(?i)`, which changes the enclosing flags. */
  private group(flags: Flags, depth: number): Item | undefined {
    const start = this.pos
    if (depth >= MAX_DEPTH) throw new GoRegexpError(GoRegexpCode.nestingDepth, this.src)
    let name: string | undefined
    let inner: Flags = {...flags}
    let capturing = true
    if (this.src.startsWith('(?', start)) {
      const rest = this.src.length - start
      if ((this.src.startsWith('(?P<', start) && rest > 4) || (this.src[start + 2] === '<' && rest > 3)) {
        name = this.captureName(start)
      } else {
        const parsed = this.perlFlags(start, flags)
        if (parsed === undefined) return undefined
        inner = parsed
        capturing = false
      }
    } else {
      this.pos++
    }
    if (capturing) this.names.push(name)
    const body = this.alternation(inner, depth + 1)
    if (this.src[this.pos] !== ')') throw new GoRegexpError(GoRegexpCode.missingParen, this.src)
    this.pos++
    return {source: `(${capturing ? '' : '?:'}${body.source})`, risky: body.risky}
  }

  private captureName(start: number): string {
    const begin = this.src.startsWith('(?P<', start) ? start + 4 : start + 3
    const close = this.src.indexOf('>', start)
    if (close < 0) throw new GoRegexpError(GoRegexpCode.invalidNamedCapture, this.src.slice(start))
    const name = this.src.slice(begin, close)
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoRegexpError(GoRegexpCode.invalidNamedCapture, this.src.slice(start, close + 1))
    this.pos = close + 1
    return name
  }

  /** `(?flags)` or `(?flags:`: the new flags for a `:` group, or undefined after updating `flags`. */
  private perlFlags(start: number, flags: Flags): Flags | undefined {
    const next: Flags = {...flags}
    let on = true
    let sawFlag = false
    let i = start + 2
    while (i < this.src.length) {
      const c = this.src[i++] as string
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        next[c] = on
        sawFlag = true
      } else if (c === '-' && on) {
        on = false
        sawFlag = false
      } else if ((c === ':' || c === ')') && (on || sawFlag)) {
        this.pos = i
        if (c === ':') return next
        Object.assign(flags, next)
        return undefined
      } else {
        break
      }
    }
    throw new GoRegexpError(GoRegexpCode.invalidPerlOp, this.src.slice(start, i))
  }

  private escape(items: Item[], flags: Flags): void {
    const next = this.src[this.pos + 1]
    const simple: Readonly<Record<string, string>> = {A: '^', z: '$', b: '\\b', B: '\\B'}
    if (next !== undefined && simple[next] !== undefined) {
      this.pos += 2
      items.push({source: simple[next] as string, risky: false})
      return
    }
    if (next === 'C') throw new GoRegexpError(GoRegexpCode.invalidEscape, '\\C')
    if (next === 'Q') {
      const end = this.src.indexOf('\\E', this.pos + 2)
      const text = end < 0 ? this.src.slice(this.pos + 2) : this.src.slice(this.pos + 2, end)
      this.pos = end < 0 ? this.src.length : end + 2
      for (const ch of text) items.push(literal(ch.codePointAt(0) as number, flags))
      return
    }
    const property = parseUnicodeClass(this.src, this.pos)
    const perl = property === undefined ? parsePerlClass(this.src, this.pos) : undefined
    if (property !== undefined || perl !== undefined) {
      const cls = new CharClass()
      if (property !== undefined) cls.addProperty(property.value)
      if (perl !== undefined) cls.addRanges(PERL_CLASSES[perl.value.name] ?? [], perl.value.negated, flags.i)
      this.pos = (property ?? perl)?.end ?? this.pos
      items.push({source: cls.toSource(false), risky: false})
      return
    }
    const escaped = parseEscape(this.src, this.pos)
    this.pos = escaped.end
    items.push(literal(escaped.value, flags))
  }
}

function literal(cp: number, flags: Flags): Item {
  if (flags.i) {
    const orbit = foldOrbit(cp)
    if (orbit.length > 1) {
      const cls = new CharClass()
      for (const v of orbit) cls.addRange(v, v, false)
      return {source: cls.toSource(false), risky: false}
    }
  }
  return {source: escapeCodePoint(cp), risky: false}
}
