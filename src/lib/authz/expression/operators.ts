/**
 * Teleport `typical` operators: `&&`/`||` (short-circuit, bool operands), `!`, and `==`/`!=`, which
 * compare strings or ints only — the type is taken from the left operand (or the right one when the
 * left is only known at run time); anything else is a parse error (`operator (==) not supported for
 * type: bool`). There are no `<`, `>` or arithmetic operators.
 */
import {ExpressionError, withContext} from './errors.js'
import {coerce, expr, typeNameOf, type Built} from './typed.js'
import {T} from './values.js'

export function logical<E>(op: '&&' | '||', lhs: Built<E>, rhs: Built<E>): Built<E> {
  const left = withContext(`parsing lhs of (${op}) operator`, () => coerce(lhs, T.bool))
  const right = withContext(`parsing rhs of (${op}) operator`, () => coerce(rhs, T.bool))
  return expr(T.bool, (env) => {
    const l = withContext(`evaluating lhs of (${op}) operator`, () => left(env)) as boolean
    if (op === '&&' ? !l : l) return l
    return withContext(`evaluating rhs of (${op}) operator`, () => right(env)) as boolean
  })
}

export function not<E>(target: Built<E>): Built<E> {
  const inner = withContext('parsing target of (!) operator', () => coerce(target, T.bool))
  return expr(T.bool, (env) => !(withContext('evaluating target of (!) operator', () => inner(env)) as boolean))
}

export function equality<E>(op: '==' | '!=', lhs: Built<E>, rhs: Built<E>): Built<E> {
  const operand = lhs.tag === 'expr' && lhs.type === T.any ? rhs : lhs
  const type = operand.tag === 'map' ? undefined : operand.type
  if (type !== T.string && type !== T.int) {
    if (type === T.any) throw new ExpressionError(`operator (${op}) can only be used when at least one operand type is known at parse time`)
    throw new ExpressionError(`operator (${op}) not supported for type: ${typeNameOf(operand)}`)
  }
  const left = withContext(`parsing lhs of (${op}) operator`, () => coerce(lhs, type))
  const right = withContext(`parsing rhs of (${op}) operator`, () => coerce(rhs, type))
  return expr(T.bool, (env) => {
    const l = withContext(`evaluating lhs of (${op}) operator`, () => left(env))
    const r = withContext(`evaluating rhs of (${op}) operator`, () => right(env))
    return op === '==' ? l === r : l !== r
  })
}
