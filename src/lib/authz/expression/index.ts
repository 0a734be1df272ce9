/**
 * Teleport's predicate language for workload identities (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto;
 * `lib/auth/machineid/workloadidentityv1/expression`): boolean rule expressions
 * (`rules.allow[].expression`) and the expressions inside `{{ }}` templates. Both are Go
 * expressions over the attribute variables with Teleport's default functions; rules may also call
 * `sigstore.policy_satisfied` (Enterprise-only in Teleport, always refused here as in OSS Teleport).
 *
 * Note what the language is not: there are no `true`/`false` literals and no `<`/`>`; `==` compares
 * strings or ints only (uint32 attributes such as `workload.unix.uid` cannot be compared).
 */
import {AccessDeniedError, BadParameterError, type SvidkitError} from '../../errors.js'
import type {Attributes} from '../attributes.js'
import {build, type Dialect} from './builder.js'
import {ExpressionError, withContext} from './errors.js'
import {variadic} from './functions.js'
import {parseGoExpression} from './parser.js'
import {defaultFunctions, defaultMethods} from './stdlib.js'
import {coerce, type Evaluate} from './typed.js'
import {goTypeOf, T, type Value} from './values.js'
import {attributeVariables, type AttrsEnv} from './variables.js'

export {ExpressionError} from './errors.js'
export type {Value} from './values.js'

const SIGSTORE_DENIED = 'Sigstore workload attestation is only available with an enterprise license'

const ruleDialect: Dialect<AttrsEnv> = {
  variables: attributeVariables('rule'),
  functions: {
    ...defaultFunctions<AttrsEnv>(),
    'sigstore.policy_satisfied': variadic<AttrsEnv>([], T.string, T.bool, (names) => {
      if (names.length > 0) throw new ExpressionError(SIGSTORE_DENIED, true)
      return true
    }),
  },
  methods: defaultMethods<AttrsEnv>(),
}

const templateDialect: Dialect<AttrsEnv> = {
  variables: attributeVariables('template'),
  functions: defaultFunctions<AttrsEnv>(),
  methods: defaultMethods<AttrsEnv>(),
}

/** A parsed expression: parse once (at resource load), evaluate many times. */
export interface Expression {
  readonly source: string
  /** @internal */
  readonly evaluator: Evaluate<AttrsEnv>
}

const CACHE_SIZE = 1000
const caches = new Map<Dialect<AttrsEnv>, Map<string, Expression>>([[ruleDialect, new Map()], [templateDialect, new Map()]])

/** typical `Parser.Parse` (cached, as Teleport caches): Go syntax, then types; any result type. */
function compile(src: string, dialect: Dialect<AttrsEnv>): Expression {
  const cache = caches.get(dialect) as Map<string, Expression>
  const cached = cache.get(src)
  if (cached !== undefined) return cached
  if (src === '') throw new ExpressionError('empty expression')
  const evaluator = withContext('parsing expression', () => coerce(build(parseGoExpression(src), dialect), T.any))
  const expression = {source: src, evaluator}
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  cache.set(src, expression)
  return expression
}

/**
 * Parses a rule expression. Throws BadParameterError with Teleport's message, e.g.
 * `parsing expression: 1:5: expected operand, found 'EOF'` or
 * `parsing expression: unknown identifier: "user.nmae"`.
 */
export function parseExpression(src: string): Expression {
  try {
    return compile(src, ruleDialect)
  } catch (err) {
    throw toSvidkitError(err)
  }
}

/** The create-time check the resources parser runs on `rules.allow[].expression`. */
export function validateExpression(src: string): void {
  parseExpression(src)
}

/** Parses the expression inside a template's `{{ }}` (template variables: empty strings are unset). */
export function parseTemplateExpression(src: string): Expression {
  try {
    return compile(src, templateDialect)
  } catch (err) {
    throw toSvidkitError(err)
  }
}

/** Evaluates to a value of any type (templates decide what they can print). */
export function evaluateValue(expr: Expression, attrs: Attributes): Value {
  try {
    return expr.evaluator({attrs})
  } catch (err) {
    throw toSvidkitError(err)
  }
}

/**
 * Teleport `expression.Evaluate`: the expression must evaluate to a bool. Errors are
 * `evaluating expression: <src>: <why>` (AccessDeniedError for the Sigstore refusal,
 * BadParameterError otherwise).
 */
export function evaluate(expr: Expression, attrs: Attributes): boolean {
  let result: Value
  try {
    result = withContext(`evaluating expression: ${expr.source}`, () => expr.evaluator({attrs}))
  } catch (err) {
    throw toSvidkitError(err)
  }
  if (typeof result !== 'boolean') {
    throw new BadParameterError(`expression evaluated to ${goTypeOf(result)} instead of boolean: ${expr.source}`)
  }
  return result
}

export function toSvidkitError(err: unknown): SvidkitError {
  if (err instanceof ExpressionError) {
    return err.denied ? new AccessDeniedError(err.message, {cause: err}) : new BadParameterError(err.message, {cause: err})
  }
  throw err
}
