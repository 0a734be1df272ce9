/**
 * Parse-time items of Teleport's `typical` layer, and `coerce`, which turns an argument into an
 * evaluator of the type a function or operator expects — or fails at parse time with typical's
 * message (`expected type int, got value (a) with type (string)`). Arguments of type `interface {}`
 * are checked when evaluated, as in Go.
 */
import {ExpressionError} from './errors.js'
import {T, formatValue, goTypeOf, implementsInterface, isInterface, type TypeName, type Value} from './values.js'

export type Evaluate<E> = (env: E) => Value

export type Built<E> =
  /** A literal written in the expression: Go string, int or float64. */
  | {readonly tag: 'literal'; readonly type: TypeName; readonly value: Value}
  /** An expression whose result type is known at parse time. */
  | {readonly tag: 'expr'; readonly type: TypeName; readonly evaluate: Evaluate<E>}
  /** A variable that can only be indexed (`user.labels.env`, `user.traits["x"]`). */
  | {readonly tag: 'map'; readonly valueType: TypeName; readonly get: (env: E, key: string) => Value}

export function expr<E>(type: TypeName, evaluate: Evaluate<E>): Built<E> {
  return {tag: 'expr', type, evaluate}
}

/** Go's name for what an item produces (typical's `typeName`). */
export function typeNameOf<E>(item: Built<E>): string {
  if (item.tag === 'map') return 'typical.dynamicMapFunction'
  return item.type
}

function unexpectedType<E>(expected: TypeName, item: Built<E>): ExpressionError {
  if (item.tag === 'expr') return new ExpressionError(`expected type ${expected}, got expression returning type (${item.type})`)
  if (item.tag === 'literal') return unexpectedValue(expected, item.value)
  return new ExpressionError(`expected type ${expected}, got value (map) with type (typical.dynamicMapFunction)`)
}

export function unexpectedValue(expected: TypeName, value: Value): ExpressionError {
  return new ExpressionError(`expected type ${expected}, got value (${formatValue(value)}) with type (${goTypeOf(value)})`)
}

export function coerce<E>(item: Built<E>, target: TypeName): Evaluate<E> {
  if (item.tag === 'expr' && item.type === target) return item.evaluate
  if (target === T.stringList) return coerceToList(item)
  if (item.tag === 'expr' && item.type === T.any) {
    const inner = item.evaluate
    return (env) => {
      const v = inner(env)
      if (goTypeOf(v) === target || implementsInterface(target, goTypeOf(v))) return v
      throw unexpectedValue(target, v)
    }
  }
  if (item.tag === 'expr') {
    if (isInterface(target) && implementsInterface(target, item.type)) return item.evaluate
    throw unexpectedType(target, item)
  }
  if (item.tag === 'literal' && (item.type === target || target === T.any)) {
    const value = item.value
    return () => value
  }
  throw unexpectedType(target, item)
}

/** A string (literal or expression) is accepted where `[]string` is expected. */
function coerceToList<E>(item: Built<E>): Evaluate<E> {
  if (item.tag === 'literal' && item.type === T.string) {
    const value = [item.value as string]
    return () => value
  }
  if (item.tag === 'expr' && item.type === T.string) {
    const inner = item.evaluate
    return (env) => [inner(env) as string]
  }
  throw unexpectedType(T.stringList, item)
}
