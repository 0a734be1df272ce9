/**
 * Limits that keep hostile YAML from hurting the process. Measured on this machine with yaml 2.9:
 * composing a document nested ~1000 levels deep overflows the stack inside the library, and the
 * *next* parse in the same process then dies with a fatal V8 out-of-memory error (not catchable),
 * so depth is checked before composing. The library's own duplicate-key check is quadratic
 * (200k keys ran for minutes), so duplicates are found here in one pass instead.
 */
import {Lexer, isMap, isPair, isScalar, isSeq, type CST, type Document} from 'yaml'

/** Deeper than any resource needs (extra_claims nest < 10 inside spec.spiffe.jwt), far below trouble. */
export const MAX_YAML_NESTING = 64

/**
 * A cheap first pass over lexer tokens, before the (slower, superlinear) parser sees deep input:
 * the offset where flow brackets or compact `- - -` / `? ?` indicators on one line exceed the
 * limit, or -1.
 */
export function findLexicalNestingExcess(text: string): number {
  let offset = 0
  let flowDepth = 0
  let lineIndicators = 0
  let nextIsScalar = false
  for (const token of new Lexer().lex(text)) {
    if (token === '\x02' || token === '\x18') continue // markers, not in the source
    if (token === '\x1f') {
      nextIsScalar = true
      continue
    }
    if (!nextIsScalar) {
      if (token === '[' || token === '{') flowDepth++
      else if (token === ']' || token === '}') flowDepth = Math.max(0, flowDepth - 1)
      else if (token === '-' || token === '?') lineIndicators++
      if (flowDepth > MAX_YAML_NESTING || lineIndicators > MAX_YAML_NESTING) return offset
    }
    if (token.endsWith('\n')) lineIndicators = 0
    nextIsScalar = false
    offset += token.length
  }
  return -1
}

/** The exact check on the parsed token tree: the offset of a collection nested too deeply, or -1. */
export function findCstNestingExcess(tokens: readonly CST.Token[]): number {
  const stack: Array<{token: CST.Token; depth: number}> = tokens.map((token) => ({token, depth: 0}))
  while (stack.length > 0) {
    const {token, depth} = stack.pop()!
    if (token.type === 'document') {
      if (token.value !== undefined) stack.push({token: token.value, depth})
      continue
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue
    if (depth + 1 > MAX_YAML_NESTING) return token.offset
    for (const item of token.items) {
      if (item.key) stack.push({token: item.key, depth: depth + 1})
      if (item.value) stack.push({token: item.value, depth: depth + 1})
    }
  }
  return -1
}

export interface KeyProblem {
  readonly offset: number
  readonly reason: string
}

/** The first duplicate or non-scalar mapping key in a composed document, in one linear pass. */
export function findKeyProblem(doc: Document): KeyProblem | undefined {
  const stack: unknown[] = [doc.contents]
  while (stack.length > 0) {
    const node = stack.pop()
    if (isSeq(node)) stack.push(...node.items)
    if (isPair(node)) stack.push(node.value) // `[a: b]`, a single-pair mapping inside a flow list
    if (!isMap(node)) continue
    const seen = new Set<string>()
    for (const pair of node.items) {
      const key = pair.key
      if (key !== null && !isScalar(key)) {
        return {offset: nodeOffset(key, node), reason: 'mapping keys must be strings, not lists, mappings or aliases'}
      }
      const text = key === null || key.value === null ? '' : String(key.value)
      if (seen.has(text)) return {offset: nodeOffset(key, node), reason: `duplicate key ${JSON.stringify(text)}`}
      seen.add(text)
      stack.push(pair.value)
    }
  }
  return undefined
}

function nodeOffset(node: unknown, parent: {range?: unknown}): number {
  const range = (node as {range?: unknown} | null)?.range ?? parent.range
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : 0
}
