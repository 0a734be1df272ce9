/**
 * Teleport's label matcher (lib/services/role.go MatchLabelGetter over lib/utils/replace.go
 * SliceMatchesRegex / MatchString), used for role `workload_identity_labels` and for label-selector
 * issuance:
 * - an empty selector matches nothing;
 * - `'*': ['*']` (exactly that value) matches everything, unlabelled resources included;
 * - otherwise every selector key must exist on the resource, and one of its values must match:
 *   `*` accepts any value, `^…$` is a Go regular expression, anything else is a glob where `*`
 *   means any run of characters but a newline and the rest is literal; matches are against the whole value.
 * An invalid regular expression is an error (BadParameterError with Go's message), not a mismatch.
 */
import {GoRegexp} from './go-regexp.js'

export const WILDCARD = '*'

export type LabelSelector = Readonly<Record<string, readonly string[]>>
export type Labels = Readonly<Record<string, string>>

export interface LabelMatch {
  readonly matched: boolean
  /** Teleport's debug text: `matched`, `no match, empty selector`, `no key match: 'env'`, … */
  readonly reason: string
}

/** Does `value` match the selector value `expression`? */
export type ValueMatcher = (value: string, expression: string) => boolean

export function matchLabels(selector: LabelSelector, labels: Labels | undefined): LabelMatch {
  return matchLabelsWith(selector, labels, matchLabelValue)
}

/** The matcher's walk over keys and values, with the value test supplied (cached or request-scoped). */
export function matchLabelsWith(selector: LabelSelector, labels: Labels | undefined, matchValue: ValueMatcher): LabelMatch {
  const keys = Object.keys(selector)
  if (keys.length === 0) return {matched: false, reason: 'no match, empty selector'}
  const wildcardValues = selector[WILDCARD]
  if (wildcardValues !== undefined && wildcardValues.length === 1 && wildcardValues[0] === WILDCARD) {
    return {matched: true, reason: 'matched'}
  }
  for (const key of keys) {
    const wanted = selector[key] ?? []
    if (labels === undefined || !Object.hasOwn(labels, key)) return {matched: false, reason: `no key match: '${key}'`}
    if (wanted.includes(WILDCARD)) continue
    const value = labels[key] as string
    if (!wanted.some((expression) => matchValue(value, expression))) {
      // Go's %v of a []string: `[a b]`.
      return {matched: false, reason: `no value match: got '${value}' want: '[${wanted.join(' ')}]'`}
    }
  }
  return {matched: true, reason: 'matched'}
}

/**
 * Teleport `utils.MatchString`: a full match of a glob, or of a `^…$` Go regular expression. A glob
 * without `*` compiles to `^QuoteMeta(glob)$`, which only the same string matches: compared as text.
 */
export function matchLabelValue(value: string, expression: string): boolean {
  return isPlainExpression(expression) ? value === expression : compileLabelExpression(expression).matchString(value)
}

export const isRegexForm = (expression: string): boolean => expression.startsWith('^') && expression.endsWith('$')

/** A label value that matches only itself: neither `^…$` nor a glob with `*`. */
export const isPlainExpression = (expression: string): boolean => !isRegexForm(expression) && !expression.includes(WILDCARD)

/** Teleport's rule: `^…$` is used as written, anything else becomes `^glob$`. */
export function labelExpressionPattern(expression: string): string {
  return isRegexForm(expression) ? expression : `^${globToRegexp(expression)}$`
}

/** Teleport `utils.CompileExpression`, through the shared cache; bad syntax is a BadParameterError. */
export function compileLabelExpression(expression: string): GoRegexp {
  return GoRegexp.compile(labelExpressionPattern(expression))
}

/** Teleport `utils.GlobToRegexp`: quote every metacharacter (Go `regexp.QuoteMeta`), then each `*` becomes `(.*)`. */
export function globToRegexp(glob: string): string {
  return glob.replace(/[\\.+*?()|[\]{}^$]/g, (c) => (c === '*' ? '(.*)' : `\\${c}`))
}
