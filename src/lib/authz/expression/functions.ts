/**
 * Function definitions in the shape of Teleport's `typical` constructors (UnaryFunction,
 * BinaryFunction, …): fixed arity and argument types checked at parse time, each argument
 * evaluated in order, and typical's messages at every step (`function (set) accepts …`,
 * `parsing first argument to function (x)`, `evaluating function (x)`).
 */
import {ExpressionError, withContext} from './errors.js'
import {coerce, expr, type Built, type Evaluate} from './typed.js'
import type {TypeName, Value} from './values.js'

export interface FunctionSpec<E> {
  build(name: string, args: readonly Built<E>[]): Built<E>
}

type Impl<E> = (args: readonly Value[], env: E) => Value

const ORDINALS = ['first', 'second', 'third']
const COUNT_WORDS: Readonly<Record<number, string>> = {1: '1 argument', 2: '2 arguments', 3: '3 arguments'}

/** A function of exactly `params.length` arguments. */
export function fixed<E>(params: readonly TypeName[], result: TypeName, impl: Impl<E>): FunctionSpec<E> {
  return {
    build(name, args) {
      if (args.length !== params.length) {
        throw new ExpressionError(`function (${name}) accepts ${COUNT_WORDS[params.length] ?? `${params.length} arguments`}, given ${args.length}`)
      }
      const labels = params.length === 1 ? [''] : ORDINALS.map((o) => `${o} `)
      const evaluators = params.map((type, i) =>
        withContext(`parsing ${labels[i] ?? ''}argument to function (${name})`, () => coerce(args[i] as Built<E>, type)))
      return expr(result, (env) => {
        const values = evaluators.map((ev, i) => withContext(`evaluating ${labels[i] ?? ''}argument to function (${name})`, () => ev(env)))
        return withContext(`evaluating function (${name})`, () => impl(values, env))
      })
    },
  }
}

/** A function of `leading.length` fixed arguments followed by any number of `rest`-typed ones. */
export function variadic<E>(leading: readonly TypeName[], rest: TypeName, result: TypeName, impl: Impl<E>): FunctionSpec<E> {
  return {
    build(name, args) {
      if (args.length < leading.length) {
        throw new ExpressionError(`function (${name}) accepts ${leading.length} or more arguments, given ${args.length}`)
      }
      const label = (i: number): string => (i < leading.length ? `${ORDINALS[i] ?? ''} argument` : `argument ${i + 1}`)
      const evaluators: Array<Evaluate<E>> = args.map((arg, i) =>
        withContext(`parsing ${label(i)} to function (${name})`, () => coerce(arg, leading[i] ?? rest)))
      return expr(result, (env) => {
        const values = evaluators.map((ev, i) => withContext(`evaluating ${label(i)} to function (${name})`, () => ev(env)))
        return withContext(`evaluating function (${name})`, () => impl(values, env))
      })
    },
  }
}
