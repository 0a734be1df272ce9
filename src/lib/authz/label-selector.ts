/**
 * A label selector a client sent for issue-by-labels, checked and compiled once per request before
 * any matching. The values are patterns (labels.ts), so a selector is code the server runs against
 * every workload identity the caller may see; these bounds keep one request from holding the event
 * loop. They are svidkit's limits (Teleport has none of them):
 * - at most 64 labels, 64 values per label, 256-byte keys and 1 KiB values (UTF-8);
 * - the regexps and `*` globs together compile to at most 256 re2js instructions. Matching is
 *   linear in the value for any pattern, but the constant grows with the program, and counted
 *   repeats make programs large from little text. Measured here on 1,000-character values (a busy
 *   machine, so rough): `(?:a{0,30}){0,30}` (about 1,800 instructions) 25 ms or more a match,
 *   `\pL{1000}` (about 1,000) 20-150 ms a match and 50 ms to compile; `(?:a{0,10}){0,10}` (about
 *   200) under 1 ms.
 *   The size is first estimated from the text (pattern-size.ts), so a pattern that would expand
 *   past the budget is refused before it is compiled at all.
 *   Plain values (no `*`, not `^…$`) are compared as strings and cost nothing here.
 * Patterns are compiled outside the shared cache (go-regexp.ts), so nothing a client sent outlives
 * its request. A refusal is a BadParameterError naming the field; bad regexp syntax keeps Go's message.
 */
import {BadParameterError} from '../errors.js'
import {GoRegexp} from './go-regexp.js'
import {estimatePatternSize} from './pattern-size.js'
import {isPlainExpression, labelExpressionPattern, matchLabelsWith, type LabelMatch, type LabelSelector, type Labels} from './labels.js'

export const SELECTOR_LIMITS = {
  labels: 64,
  valuesPerLabel: 64,
  keyBytes: 256,
  valueBytes: 1024,
  programSize: 256,
} as const

export interface CompiledSelector {
  match(labels: Labels | undefined): LabelMatch
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/** Refuses a selector over the size limits; `field` names it in messages (`selector.labels`). */
export function checkSelectorSize(selector: LabelSelector, field: string): void {
  const keys = Object.keys(selector)
  if (keys.length > SELECTOR_LIMITS.labels) {
    throw new BadParameterError(`${field}: has ${keys.length} labels; at most ${SELECTOR_LIMITS.labels} are allowed`)
  }
  for (const key of keys) {
    const keyBytes = utf8Bytes(key)
    if (keyBytes > SELECTOR_LIMITS.keyBytes) {
      throw new BadParameterError(`${field}: a label key is ${keyBytes} bytes long; at most ${SELECTOR_LIMITS.keyBytes} are allowed`)
    }
    const values = selector[key] ?? []
    if (values.length > SELECTOR_LIMITS.valuesPerLabel) {
      throw new BadParameterError(`${field}.${key}: has ${values.length} values; at most ${SELECTOR_LIMITS.valuesPerLabel} are allowed`)
    }
    values.forEach((value, i) => {
      const valueBytes = utf8Bytes(value)
      if (valueBytes > SELECTOR_LIMITS.valueBytes) {
        throw new BadParameterError(`${field}.${key}[${i}]: is ${valueBytes} bytes long; at most ${SELECTOR_LIMITS.valueBytes} are allowed`)
      }
    })
  }
}

type Test = (value: string) => boolean

/** What the selector's patterns have used of the instruction budget: estimated, then compiled. */
interface Spent {
  estimated: number
  compiled: number
}

/** One pattern's test, charged to `spent`; `where` names the value in a refusal. */
function compileValue(expression: string, spent: Spent, where: string): Test {
  // A plain value is an exact match (`^quoted$` in Teleport), so no regexp is needed for it.
  if (isPlainExpression(expression)) return (value) => value === expression
  const limit = SELECTOR_LIMITS.programSize
  const tooComplex = () => new BadParameterError(`${where}: the patterns are too complex; at most ${limit} regexp instructions are allowed in all`)
  const pattern = labelExpressionPattern(expression)
  spent.estimated += estimatePatternSize(pattern)
  if (spent.estimated > limit) throw tooComplex()
  const re = GoRegexp.compileUncached(pattern)
  spent.compiled += re.programSize
  if (spent.compiled > limit) throw tooComplex()
  return (value) => re.matchString(value)
}

/** Checks the selector and compiles its patterns; match() then runs no compiler and no unbounded pattern. */
export function compileSelector(selector: LabelSelector, field = 'label_selectors'): CompiledSelector {
  checkSelectorSize(selector, field)
  const tests = new Map<string, Test>()
  const spent: Spent = {estimated: 0, compiled: 0}
  for (const [key, values] of Object.entries(selector)) {
    values.forEach((expression, i) => {
      if (!tests.has(expression)) tests.set(expression, compileValue(expression, spent, `${field}.${key}[${i}]`))
    })
  }
  return {match: (labels) => matchLabelsWith(selector, labels, (value, expression) => tests.get(expression)?.(value) ?? false)}
}
