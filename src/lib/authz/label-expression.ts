/**
 * Role label expressions (`workload_identity_labels_expression`; Teleport's
 * `lib/services/label_expressions.go`): a boolean predicate over the resource's `labels` and the
 * caller's `user.spec.traits`, with `contains`, `contains_any`, `contains_all`, `regexp.match`,
 * `regexp.replace`, `email.local`, `strings.upper|lower` and `labels_matching` on string lists.
 * A missing label reads as "".
 */
import {BadParameterError, SvidkitError} from '../errors.js'
import {matchLabelValue, type Labels} from './labels.js'
import {build, type Dialect} from './expression/builder.js'
import {ExpressionError, withContext} from './expression/errors.js'
import {fixed} from './expression/functions.js'
import {parseGoExpression} from './expression/parser.js'
import {emailLocalList, goMapCase, regexpReplaceList} from './expression/stdlib.js'
import {coerce, expr, type Evaluate} from './expression/typed.js'
import {StringListMap, T, type Value} from './expression/values.js'
import {toSvidkitError} from './expression/index.js'

export interface LabelExpressionEnv {
  readonly labels: Labels
  readonly traits: Readonly<Record<string, readonly string[]>>
}

const list = (v: Value | undefined): readonly string[] => (v ?? []) as readonly string[]

function matchesExpression(value: string, expression: string): boolean {
  try {
    return matchLabelValue(value, expression)
  } catch (err) {
    if (err instanceof BadParameterError) throw new ExpressionError(err.message)
    throw err
  }
}

const dialect: Dialect<LabelExpressionEnv> = {
  variables: new Map([
    ['user.spec.traits', expr<LabelExpressionEnv>(T.stringListMap, (env) => new StringListMap(env.traits))],
    ['labels', {tag: 'map', valueType: T.string, get: (env: LabelExpressionEnv, key: string): Value => env.labels[key] ?? ''}],
  ]),
  functions: {
    'labels_matching': fixed([T.string], T.stringList, ([keyExpr], env) =>
      Object.entries(env.labels).filter(([k]) => matchesExpression(k, keyExpr as string)).map(([, v]) => v)),
    'contains': fixed([T.stringList, T.string], T.bool, ([l, item]) => list(l).includes(item as string)),
    'contains_any': fixed([T.stringList, T.stringList], T.bool, ([l, items]) => list(items).some((i) => list(l).includes(i))),
    'contains_all': fixed([T.stringList, T.stringList], T.bool, ([l, items]) =>
      list(items).length > 0 && list(items).every((i) => list(l).includes(i))),
    'regexp.match': fixed([T.stringList, T.string], T.bool, ([l, re]) =>
      withContext(`invalid regular expression ${JSON.stringify(re)}`, () => list(l).some((s) => matchesExpression(s, re as string)))),
    'regexp.replace': fixed([T.stringList, T.string, T.string], T.stringList, ([l, p, r]) => regexpReplaceList(list(l), p as string, r as string)),
    'email.local': fixed([T.stringList], T.stringList, ([l]) => emailLocalList(list(l))),
    'strings.upper': fixed([T.stringList], T.stringList, ([l]) => list(l).map((s) => goMapCase(s, true))),
    'strings.lower': fixed([T.stringList], T.stringList, ([l]) => list(l).map((s) => goMapCase(s, false))),
  },
  methods: {},
}

const cache = new Map<string, Evaluate<LabelExpressionEnv>>()

function parseLabelExpression(source: string): Evaluate<LabelExpressionEnv> {
  const cached = cache.get(source)
  if (cached !== undefined) return cached
  const evaluator = withContext('parsing label expression', () => {
    if (source === '') throw new ExpressionError('empty expression')
    const built = withContext('parsing expression', () => build(parseGoExpression(source), dialect))
    return withContext('expression evaluated to unexpected type', () => coerce(built, T.bool))
  })
  if (cache.size >= 1000) cache.delete(cache.keys().next().value as string)
  cache.set(source, evaluator)
  return evaluator
}

/** Does the label expression hold? Errors are BadParameterError with Teleport's message. */
export function matchLabelExpression(source: string, env: LabelExpressionEnv): boolean {
  try {
    const evaluator = parseLabelExpression(source)
    return withContext(`evaluating label expression ${JSON.stringify(source)}`, () => evaluator(env)) as boolean
  } catch (err) {
    const converted = err instanceof SvidkitError ? err : toSvidkitError(err)
    throw converted
  }
}
