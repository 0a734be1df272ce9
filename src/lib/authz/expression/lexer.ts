/**
 * A scanner for the Go expression syntax Teleport's predicate language is written in (it is parsed
 * with Go's `go/parser.ParseExpr`): identifiers, keywords, Go number/string/rune literals with Go's
 * escapes, operators, comments, and automatic semicolons at newlines and at the end. Errors carry
 * Go's wording; the parser reports them as `line:col: message` (column in UTF-8 bytes).
 */

import {ESCAPE_DIGITS, formatRune, numberProblem} from './literals.js'

export type TokenKind = 'IDENT' | 'KEYWORD' | 'INT' | 'FLOAT' | 'IMAG' | 'CHAR' | 'STRING' | 'OP' | 'NEWLINE' | 'EOF' | 'ILLEGAL'

export interface Token {
  readonly kind: TokenKind
  /** Source text (the operator, the literal as written, `\n` for an automatic semicolon). */
  readonly text: string
  readonly offset: number
  /** The decoded value of a STRING literal. */
  readonly value?: string
}

export interface ScanError {
  readonly offset: number
  readonly message: string
}

const KEYWORDS = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto',
  'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var',
])

// Longest first, so `&^=` wins over `&^` and `&`.
const OPERATORS = [
  '<<=', '>>=', '&^=', '...', '&&', '||', '<-', '++', '--', '==', '!=', '<=', '>=', ':=', '+=', '-=', '*=', '/=', '%=',
  '&=', '|=', '^=', '<<', '>>', '&^', '+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '=', '!', '(', ')', '[', ']',
  '{', '}', ',', ';', '.', ':', '~',
]

const SEMI_AFTER = new Set([')', ']', '}', '++', '--'])
const LETTER = /[\p{L}_]/u
const LETTER_OR_DIGIT = /[\p{L}\p{Nd}_]/u

export class Lexer {
  private pos = 0
  private insertSemi = false
  readonly errors: ScanError[] = []

  constructor(readonly src: string) {}

  next(): Token {
    this.skipSpace()
    const start = this.pos
    if (this.pos >= this.src.length) {
      if (this.insertSemi) {
        this.insertSemi = false
        return {kind: 'NEWLINE', text: '\n', offset: start}
      }
      return {kind: 'EOF', text: 'EOF', offset: start}
    }
    const ch = this.src[this.pos] as string
    if (ch === '\n' || (ch === '/' && this.src[this.pos + 1] === '/')) {
      this.skipLine()
      this.insertSemi = false
      return {kind: 'NEWLINE', text: '\n', offset: start}
    }
    const token = this.scanToken(ch, start)
    this.insertSemi = token.kind === 'IDENT' || token.kind === 'INT' || token.kind === 'FLOAT' || token.kind === 'IMAG' ||
      token.kind === 'CHAR' || token.kind === 'STRING' || (token.kind === 'OP' && SEMI_AFTER.has(token.text)) ||
      (token.kind === 'KEYWORD' && ['break', 'continue', 'fallthrough', 'return'].includes(token.text))
    return token
  }

  private skipSpace(): void {
    for (;;) {
      const ch = this.src[this.pos]
      if (ch === ' ' || ch === '\t' || ch === '\r' || (ch === '\n' && !this.insertSemi)) this.pos++
      else if (ch === '/' && this.src[this.pos + 1] === '*') this.skipBlockComment()
      else if (ch === '/' && this.src[this.pos + 1] === '/' && !this.insertSemi) this.skipLine()
      else return
    }
  }

  private skipLine(): void {
    const nl = this.src.indexOf('\n', this.pos)
    this.pos = nl < 0 ? this.src.length : nl + 1
  }

  private skipBlockComment(): void {
    const end = this.src.indexOf('*/', this.pos + 2)
    if (end < 0) {
      this.errors.push({offset: this.pos, message: 'comment not terminated'})
      this.pos = this.src.length
    } else {
      this.pos = end + 2
    }
  }

  private scanToken(ch: string, start: number): Token {
    const cp = this.src.codePointAt(start) as number
    const char = String.fromCodePoint(cp)
    if (LETTER.test(char)) return this.scanIdentifier(start)
    if ((ch >= '0' && ch <= '9') || (ch === '.' && /[0-9]/.test(this.src[start + 1] ?? ''))) return this.scanNumber(start)
    if (ch === '"') return this.scanString(start)
    if (ch === '`') return this.scanRawString(start)
    if (ch === "'") return this.scanRune(start)
    const op = OPERATORS.find((o) => this.src.startsWith(o, start))
    if (op !== undefined) {
      this.pos += op.length
      return {kind: 'OP', text: op, offset: start}
    }
    this.pos += char.length
    this.errors.push({offset: start, message: cp === 0 ? 'illegal character NUL' : `invalid character ${formatRune(cp)}`})
    return {kind: 'ILLEGAL', text: char, offset: start}
  }

  private scanIdentifier(start: number): Token {
    while (this.pos < this.src.length) {
      const c = String.fromCodePoint(this.src.codePointAt(this.pos) as number)
      if (!LETTER_OR_DIGIT.test(c)) break
      this.pos += c.length
    }
    const text = this.src.slice(start, this.pos)
    return {kind: KEYWORDS.has(text) ? 'KEYWORD' : 'IDENT', text, offset: start}
  }

  private scanNumber(start: number): Token {
    const m = /^(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]*)?|0[bBoO][0-9_]*|[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]*)?)i?/
      .exec(this.src.slice(start)) as RegExpExecArray
    const text = m[0]
    this.pos = start + text.length
    const kind = text.endsWith('i') ? 'IMAG' : /^0[xX]/.test(text) ? (/[.pP]/.test(text) ? 'FLOAT' : 'INT') : /[.eE]/.test(text) && !/^0[bBoO]/.test(text) ? 'FLOAT' : 'INT'
    const problem = numberProblem(text, kind)
    if (problem !== undefined) this.errors.push({offset: start + problem.at, message: problem.message})
    return {kind, text, offset: start}
  }

  private scanString(start: number): Token {
    this.pos++
    const bytes: number[] = []
    for (;;) {
      const ch = this.src[this.pos]
      if (ch === undefined || ch === '\n') {
        this.errors.push({offset: start, message: 'string literal not terminated'})
        break
      }
      if (ch === '"') {
        this.pos++
        break
      }
      if (ch === '\\') {
        this.pos++
        this.scanEscape('"', bytes)
        continue
      }
      const cp = this.src.codePointAt(this.pos) as number
      const s = String.fromCodePoint(cp)
      bytes.push(...Buffer.from(s, 'utf8'))
      this.pos += s.length
    }
    const value = Buffer.from(bytes).toString('utf8')
    return {kind: 'STRING', text: this.src.slice(start, this.pos), offset: start, value}
  }

  private scanRawString(start: number): Token {
    const end = this.src.indexOf('`', start + 1)
    if (end < 0) this.errors.push({offset: start, message: 'raw string literal not terminated'})
    this.pos = end < 0 ? this.src.length : end + 1
    const body = this.src.slice(start + 1, end < 0 ? this.src.length : end)
    return {kind: 'STRING', text: this.src.slice(start, this.pos), offset: start, value: body.replace(/\r/g, '')}
  }

  private scanRune(start: number): Token {
    this.pos++
    let n = 0
    for (;;) {
      const ch = this.src[this.pos]
      if (ch === undefined || ch === '\n') {
        this.errors.push({offset: start, message: 'rune literal not terminated'})
        n = 1
        break
      }
      if (ch === "'") {
        this.pos++
        break
      }
      n++
      if (ch === '\\') {
        this.pos++
        this.scanEscape("'", [])
      } else {
        this.pos += String.fromCodePoint(this.src.codePointAt(this.pos) as number).length
      }
    }
    if (n !== 1) this.errors.push({offset: start, message: n === 0 ? "empty rune literal or unescaped ' in rune literal" : 'illegal rune literal'})
    return {kind: 'CHAR', text: this.src.slice(start, this.pos), offset: start}
  }

  /** After a backslash: appends the escape's bytes (Go strings are bytes: `\xff` is one byte). */
  private scanEscape(quote: string, out: number[]): void {
    const at = this.pos
    const ch = this.src[this.pos]
    const simple: Readonly<Record<string, number>> = {a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92}
    if (ch !== undefined && (simple[ch] !== undefined || ch === quote)) {
      out.push(simple[ch] ?? ch.charCodeAt(0))
      this.pos++
      return
    }
    const spec = ch === undefined ? undefined : ESCAPE_DIGITS[ch]
    if (spec === undefined) {
      this.errors.push({offset: at, message: ch === undefined || ch === '\n' ? 'escape sequence not terminated' : 'unknown escape sequence'})
      return
    }
    if (ch !== undefined && !/[0-7]/.test(ch)) this.pos++
    let value = 0
    for (let i = 0; i < spec.digits; i++) {
      const d = parseInt(this.src[this.pos] ?? '', spec.base)
      if (Number.isNaN(d)) {
        const bad = this.src.codePointAt(this.pos)
        this.errors.push({offset: this.pos, message: bad === undefined || bad === 10 ? 'escape sequence not terminated' : `illegal character ${formatRune(bad)} in escape sequence`})
        return
      }
      value = value * spec.base + d
      this.pos++
    }
    if (value > spec.max || (value >= 0xd800 && value < 0xe000)) {
      this.errors.push({offset: at, message: 'escape sequence is invalid Unicode code point'})
      return
    }
    if (spec.max === 255) out.push(value)
    else out.push(...Buffer.from(String.fromCodePoint(value), 'utf8'))
  }
}
