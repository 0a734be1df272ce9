/**
 * Go expression syntax (`go/parser.ParseExpr`, which Teleport's predicate library uses), producing
 * the small AST the predicate layer understands. Node kinds the predicate library rejects (slices,
 * type assertions, composite literals, `*x`) are kept as `Unsupported` with Go's AST type name, so
 * the error reads as Teleport's (`*ast.SliceExpr is not supported`).
 *
 * Syntax errors follow go/parser: `line:col: expected operand, found ')'`, at most one parser error
 * per line, scanner errors always kept, sorted, then `(and N more errors)`.
 */
import {ExpressionError} from './errors.js'
import {Lexer, type Token} from './lexer.js'

export type LiteralKind = 'INT' | 'FLOAT' | 'IMAG' | 'CHAR' | 'STRING'

export type Node =
  | {readonly type: 'BinaryExpr'; readonly op: string; readonly x: Node; readonly y: Node}
  | {readonly type: 'UnaryExpr'; readonly op: string; readonly x: Node}
  | {readonly type: 'BasicLit'; readonly kind: LiteralKind; readonly text: string; readonly value?: string}
  | {readonly type: 'Ident'; readonly name: string}
  | {readonly type: 'SelectorExpr'; readonly x: Node; readonly sel: string}
  | {readonly type: 'IndexExpr'; readonly x: Node; readonly index: Node}
  | {readonly type: 'CallExpr'; readonly fun: Node; readonly args: readonly Node[]}
  | {readonly type: 'ParenExpr'; readonly x: Node}
  | {readonly type: 'Unsupported'; readonly goType: string}

const PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3,
  '+': 4, '-': 4, '|': 4, '^': 4, '*': 5, '/': 5, '%': 5, '<<': 5, '>>': 5, '&': 5, '&^': 5,
}
const UNARY = new Set(['+', '-', '!', '^', '&', '~', '<-'])
const LITERALS = new Set(['INT', 'FLOAT', 'IMAG', 'CHAR', 'STRING'])

class Stop extends Error {}

export function parseGoExpression(src: string): Node {
  return new Parser(src).parse()
}

class Parser {
  private readonly lexer: Lexer
  private tok: Token
  private parseError: {offset: number; message: string} | undefined

  constructor(private readonly src: string) {
    this.lexer = new Lexer(src)
    this.tok = this.lexer.next()
  }

  parse(): Node {
    let node: Node | undefined
    try {
      node = this.binary(1)
      if (this.tok.kind === 'NEWLINE') this.advance()
      if (this.tok.kind !== 'EOF') this.expected("'EOF'")
    } catch (err) {
      if (!(err instanceof Stop)) throw err
      // go/parser recovers and keeps scanning (e.g. advance to the next statement): later scanner
      // errors still count towards "(and N more errors)".
      while (this.tok.kind !== 'EOF') this.advance()
    }
    this.throwErrors()
    return node as Node
  }

  private advance(): void {
    this.tok = this.lexer.next()
  }

  private isOp(op: string): boolean {
    return this.tok.kind === 'OP' && this.tok.text === op
  }

  private expected(what: string): never {
    const t = this.tok
    const found = t.kind === 'NEWLINE' ? 'newline' : LITERALS.has(t.kind) || t.kind === 'IDENT' ? t.text : `'${t.kind === 'ILLEGAL' ? 'ILLEGAL' : t.text}'`
    return this.fail(`expected ${what}, found ${found}`)
  }

  private fail(message: string): never {
    this.parseError = {offset: this.tok.offset, message}
    throw new Stop()
  }

  private expect(op: string): void {
    if (!this.isOp(op)) this.expected(`'${op}'`)
    this.advance()
  }

  private expectClosing(op: string, context: string): void {
    if (this.tok.kind === 'NEWLINE') this.fail(`missing ',' before newline in ${context}`)
    this.expect(op)
  }

  private binary(minPrec: number): Node {
    let x = this.unary()
    for (;;) {
      const prec = this.tok.kind === 'OP' ? PRECEDENCE[this.tok.text] : undefined
      if (prec === undefined || prec < minPrec) return x
      const op = this.tok.text
      this.advance()
      x = {type: 'BinaryExpr', op, x, y: this.binary(prec + 1)}
    }
  }

  private unary(): Node {
    if (this.tok.kind === 'OP' && UNARY.has(this.tok.text)) {
      const op = this.tok.text
      this.advance()
      return {type: 'UnaryExpr', op, x: this.unary()}
    }
    if (this.isOp('*')) {
      this.advance()
      this.unary()
      return {type: 'Unsupported', goType: '*ast.StarExpr'}
    }
    return this.primary()
  }

  private primary(): Node {
    let x = this.operand()
    for (;;) {
      if (this.isOp('.')) x = this.selector(x)
      else if (this.isOp('[')) x = this.index(x)
      else if (this.isOp('(')) x = this.call(x)
      else if (this.isOp('{') && (x.type === 'Ident' || x.type === 'SelectorExpr')) x = this.compositeLiteral()
      else return x
    }
  }

  private operand(): Node {
    const t = this.tok
    if (t.kind === 'IDENT') {
      this.advance()
      return {type: 'Ident', name: t.text}
    }
    if (LITERALS.has(t.kind)) {
      this.advance()
      return {type: 'BasicLit', kind: t.kind as LiteralKind, text: t.text, ...(t.value !== undefined ? {value: t.value} : {})}
    }
    if (this.isOp('(')) {
      this.advance()
      const x = this.binary(1)
      this.expect(')')
      return {type: 'ParenExpr', x}
    }
    return this.expected('operand')
  }

  private selector(x: Node): Node {
    this.advance()
    if (this.tok.kind === 'IDENT') {
      const sel = this.tok.text
      this.advance()
      return {type: 'SelectorExpr', x, sel}
    }
    if (!this.isOp('(')) this.expected('selector or type assertion')
    this.advance()
    if (this.tok.kind === 'KEYWORD' && this.tok.text === 'type') this.advance()
    else this.binary(1)
    this.expect(')')
    return {type: 'Unsupported', goType: '*ast.TypeAssertExpr'}
  }

  private index(x: Node): Node {
    this.advance()
    let goType: string | undefined
    let index: Node | undefined
    if (!this.isOp(':')) index = this.binary(1)
    while (this.isOp(':') || this.isOp(',')) {
      goType = this.isOp(':') ? '*ast.SliceExpr' : '*ast.IndexListExpr'
      this.advance()
      if (!this.isOp(']') && !this.isOp(':')) this.binary(1)
    }
    this.expect(']')
    if (goType !== undefined || index === undefined) return {type: 'Unsupported', goType: goType ?? '*ast.SliceExpr'}
    return {type: 'IndexExpr', x, index}
  }

  private call(fun: Node): Node {
    this.advance()
    const args: Node[] = []
    while (!this.isOp(')') && this.tok.kind !== 'EOF') {
      args.push(this.binary(1))
      if (this.isOp('...')) this.advance()
      if (this.isOp(')')) break
      // go/parser's atComma: report the missing comma (then it would carry on as if it were there).
      if (!this.isOp(',')) this.fail(`missing ','${this.tok.kind === 'NEWLINE' ? ' before newline' : ''} in argument list`)
      this.advance()
    }
    this.expectClosing(')', 'argument list')
    return {type: 'CallExpr', fun, args}
  }

  private compositeLiteral(): Node {
    this.advance()
    while (!this.isOp('}')) {
      if (this.isOp('{')) this.compositeLiteral()
      else this.binary(1)
      if (this.isOp(':')) {
        this.advance()
        if (this.isOp('{')) this.compositeLiteral()
        else this.binary(1)
      }
      if (!this.isOp(',')) break
      this.advance()
    }
    this.expectClosing('}', 'composite literal')
    return {type: 'Unsupported', goType: '*ast.CompositeLit'}
  }

  private throwErrors(): void {
    const errors = this.lexer.errors.map((e) => ({...position(this.src, e.offset), message: e.message}))
    if (this.parseError !== undefined) {
      const pe = {...position(this.src, this.parseError.offset), message: this.parseError.message}
      // go/parser keeps one parser error per line: an earlier error on the line wins.
      if (!errors.some((e) => e.line === pe.line)) errors.push(pe)
    }
    if (errors.length === 0) return
    errors.sort((a, b) => a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    const first = errors[0] as {line: number; col: number; message: string}
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ''
    throw new ExpressionError(`${first.line}:${first.col}: ${first.message}${more}`)
  }
}

/** 1-based line and Go column (UTF-8 bytes from the line start, plus one). */
function position(src: string, offset: number): {line: number; col: number} {
  const before = src.slice(0, offset)
  const lineStart = before.lastIndexOf('\n') + 1
  return {line: before.split('\n').length, col: Buffer.byteLength(before.slice(lineStart), 'utf8') + 1}
}
