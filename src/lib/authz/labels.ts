/**
 * Teleport's label matcher (`lib/services/role.go` MatchLabelGetter, `lib/utils` MatchString), used
 * for role `workload_identity_labels` and for label-selector issuance (teleport.md §3):
 * - an empty selector matches nothing;
 * - `'*': ['*']` (exactly that value) matches everything, unlabelled resources included;
 * - otherwise every selector key must exist on the resource, and one of its values must match:
 *   `*` accepts any value, `^…$` is a Go regular expression, anything else is a glob where `*`
 *   means any run of characters and the rest is literal; matches are against the whole value.
 * An invalid regular expression is an error (BadParameterError with Go's message), not a mismatch.
 */
import {BadParameterError} from '../errors.js'
import {goStringSlice} from './go-format.js'
import {GoRegexp} from './regexp/go-regexp.js'
import {GoRegexpError} from './regexp/errors.js'

export const WILDCARD = '*'

export type LabelSelector = Readonly<Record<string, readonly string[]>>
export type Labels = Readonly<Record<string, string>>

const isRegexForm = (expression: string): boolean => expression.startsWith('^') && expression.endsWith('$')

export interface LabelMatch {
  readonly matched: boolean
  /** Teleport's debug text: `matched`, `no match, empty selector`, `no key match: 'env'`, … */
  readonly reason: string
}

export function matchLabels(selector: LabelSelector, labels: Labels | undefined): LabelMatch {
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
    if (!wanted.some((expression) => matchLabelValue(value, expression))) {
      return {matched: false, reason: `no value match: got '${value}' want: '${goStringSlice(wanted)}'`}
    }
  }
  return {matched: true, reason: 'matched'}
}

/** Teleport `utils.MatchString`: a full match of a glob, or of a `^…$` Go regular expression. */
export function matchLabelValue(value: string, expression: string): boolean {
  if (isRegexForm(expression) || value.includes('\n')) return compileLabelExpression(expression).matchString(value)
  return matchGlob(value, expression)
}

/**
 * A glob without a regular expression: linear time whatever the pattern, because selectors may come
 * from clients and a backtracking engine would let `*a*a*a*…` stall the server. Equivalent to the
 * regex `^glob$` for values without newlines (where Go's `.*` would stop), which take the regex path.
 */
function matchGlob(value: string, glob: string): boolean {
  const segments = glob.split('*')
  const first = segments[0] as string
  if (segments.length === 1) return value === first
  const last = segments[segments.length - 1] as string
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false
  let pos = first.length
  const end = value.length - last.length
  for (const middle of segments.slice(1, -1)) {
    const at = value.indexOf(middle, pos)
    if (at < 0 || at + middle.length > end) return false
    pos = at + middle.length
  }
  return true
}

/** Teleport `utils.CompileExpression`: `^…$` is used as written, anything else becomes `^glob$`. */
export function compileLabelExpression(expression: string): GoRegexp {
  const pattern = isRegexForm(expression) ? expression : `^${globToRegexp(expression)}$`
  try {
    return GoRegexp.compile(pattern)
  } catch (err) {
    if (err instanceof GoRegexpError) throw new BadParameterError(err.message, {cause: err})
    throw err
  }
}

/** Teleport `utils.GlobToRegexp`: quote every metacharacter, then turn each `*` into `(.*)`. */
export function globToRegexp(glob: string): string {
  return glob.replace(/[\\.+*?()|[\]{}^$]/g, (c) => (c === '*' ? '(.*)' : `\\${c}`))
}
