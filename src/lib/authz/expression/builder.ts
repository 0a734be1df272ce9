/**
 * Turns the Go AST into typed evaluators the way Teleport's predicate library and `typical` do:
 * identifiers and dotted paths resolve against the dialect's variables (a path whose last segment
 * follows a map variable indexes it), `x.f(args)` is a method call when `f` is a method (the
 * receiver becomes the first argument), otherwise `pkg.f(args)` names a function; literals are Go
 * strings, ints (`strconv.Atoi`) and floats. Every error reads as Teleport's.
 */
import {ExpressionError, withContext} from './errors.js'
import type {FunctionSpec} from './functions.js'
import {equality, logical, not} from './operators.js'
import type {Node} from './parser.js'
import {coerce, expr, type Built} from './typed.js'
import {StringListMap, T, type Value} from './values.js'

export interface Dialect<E> {
  readonly variables: ReadonlyMap<string, Built<E>>
  readonly functions: Readonly<Record<string, FunctionSpec<E>>>
  readonly methods: Readonly<Record<string, FunctionSpec<E>>>
}

const GO_AST_TYPES: Readonly<Record<string, string>> = {
  BinaryExpr: '*ast.BinaryExpr', UnaryExpr: '*ast.UnaryExpr', BasicLit: '*ast.BasicLit', Ident: '*ast.Ident',
  SelectorExpr: '*ast.SelectorExpr', IndexExpr: '*ast.IndexExpr', CallExpr: '*ast.CallExpr', ParenExpr: '*ast.ParenExpr',
}

function goAstType(node: Node): string {
  return node.type === 'Unsupported' ? node.goType : (GO_AST_TYPES[node.type] ?? node.type)
}

export function build<E>(node: Node, dialect: Dialect<E>): Built<E> {
  switch (node.type) {
    case 'BinaryExpr': {
      const x = build(node.x, dialect)
      const y = build(node.y, dialect)
      if (node.op === '&&' || node.op === '||') return logical(node.op, x, y)
      if (node.op === '==' || node.op === '!=') return equality(node.op, x, y)
      throw new ExpressionError(`${node.op} is not supported`)
    }
    case 'UnaryExpr':
      if (node.op !== '!') throw new ExpressionError(`${node.op} is not supported`)
      return not(build(node.x, dialect))
    case 'BasicLit':
      return literal(node.kind, node.text, node.value)
    case 'Ident':
      return identifier([node.name], dialect)
    case 'SelectorExpr':
      return identifier(selectorFields(node), dialect)
    case 'IndexExpr':
      return property(build(node.x, dialect), build(node.index, dialect))
    case 'CallExpr':
      return call(node, dialect)
    case 'ParenExpr':
      return build(node.x, dialect)
    case 'Unsupported':
      throw new ExpressionError(`${node.goType} is not supported`)
  }
}

function selectorFields(node: Node): string[] {
  if (node.type === 'Ident') return [node.name]
  if (node.type === 'SelectorExpr') {
    if (node.x.type !== 'Ident' && node.x.type !== 'SelectorExpr') throw new ExpressionError(`unsupported selector type: ${goAstType(node.x)}`)
    return [...selectorFields(node.x), node.sel]
  }
  throw new ExpressionError(`unsupported selector type: ${goAstType(node)}`)
}

const INT64_MAX = 2n ** 63n - 1n

function literal<E>(kind: string, text: string, value: string | undefined): Built<E> {
  switch (kind) {
    case 'STRING':
      return {tag: 'literal', type: T.string, value: value ?? ''}
    case 'INT': {
      const syntaxOk = /^[+-]?[0-9]+$/.test(text)
      if (!syntaxOk || BigInt(text) > INT64_MAX) {
        const why = syntaxOk ? 'value out of range' : 'invalid syntax'
        throw new ExpressionError(`failed to parse argument: ${text}, error: strconv.Atoi: parsing "${text}": ${why}`)
      }
      return {tag: 'literal', type: T.int, value: BigInt(text)}
    }
    case 'FLOAT': {
      const n = Number(text.replace(/_/g, ''))
      if (Number.isNaN(n)) throw new ExpressionError(`failed to parse argument: ${text}, error: strconv.ParseFloat: parsing "${text}": invalid syntax`)
      return {tag: 'literal', type: T.float64, value: n}
    }
    default:
      throw new ExpressionError(`unsupported function argument type: '${kind}'`)
  }
}

/** typical `getIdentifier`: the longest-known prefix wins; one trailing segment may index a map. */
function identifier<E>(fields: readonly string[], dialect: Dialect<E>): Built<E> {
  for (let i = 1; i <= fields.length; i++) {
    const variable = dialect.variables.get(fields.slice(0, i).join('.'))
    if (variable === undefined) continue
    if (i === fields.length) return variable
    if (i === fields.length - 1) {
      try {
        return property(variable, {tag: 'literal', type: T.string, value: fields[i] as string})
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err
      }
    }
  }
  throw new ExpressionError(`unknown identifier: "${fields.join('.')}"`)
}

/** typical `getProperty`: `map[key]` for a map variable or a `map[string]…` expression. */
function property<E>(map: Built<E>, key: Built<E>): Built<E> {
  const keyOf = withContext('parsing key of index expression', () => coerce(key, T.string))
  if (map.tag === 'map') {
    const get = map.get
    return expr(map.valueType, (env) => {
      const k = withContext('evaluating key of index expression', () => keyOf(env)) as string
      return withContext('getting value from dynamic map', () => get(env, k))
    })
  }
  if (map.tag === 'expr' && map.type === T.stringListMap) {
    const inner = map.evaluate
    return expr(T.stringList, (env): Value => {
      const m = withContext('evaluating base of index expression', () => inner(env)) as StringListMap
      const k = withContext('evaluating key of index expression', () => keyOf(env)) as string
      return m.entries[k] ?? []
    })
  }
  const got = map.tag === 'expr' ? `expression returning type (${map.type})` : `value (${String(map.value)}) with type (${map.type})`
  throw new ExpressionError(`cannot take index of unexpected type: expected type map[string]string, got ${got}`)
}

function call<E>(node: Extract<Node, {type: 'CallExpr'}>, dialect: Dialect<E>): Built<E> {
  const fun = node.fun
  let name: string
  let spec: FunctionSpec<E> | undefined
  let argNodes: readonly Node[] = node.args
  if (fun.type === 'Ident') {
    name = fun.name
    spec = dialect.functions[name]
  } else if (fun.type === 'SelectorExpr') {
    spec = dialect.methods[fun.sel]
    if (spec !== undefined) {
      name = fun.sel
      argNodes = [fun.x, ...node.args]
    } else {
      if (fun.x.type !== 'Ident') throw new ExpressionError(`expected selector identifier, got: ${goAstType(fun.x)}`)
      name = `${fun.x.name}.${fun.sel}`
      spec = dialect.functions[name]
    }
  } else {
    throw new ExpressionError(`unknown function type ${goAstType(fun)}`)
  }
  if (spec === undefined) throw new ExpressionError(`unsupported function: ${name}`)
  const args = argNodes.map((n) => build(n, dialect))
  return spec.build(name, args)
}
