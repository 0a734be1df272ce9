/**
 * A label selector a client sent for issue-by-labels, checked and compiled once per request before
 * any matching. The values are patterns (labels.ts), so a selector is code the server runs against
 * every workload identity the caller may see; these bounds keep one request from holding the event
 * loop. They are svidkit's limits (Teleport has none of them):
 * - at most 64 labels, 64 values per label, 256-byte keys and 1 KiB values (UTF-8);
 * - the regexps and `*` globs together compile to at most 1024 re2js instructions. Matching is
 *   linear in the value for any pattern, but one step costs up to the program's size, and counted
 *   repeats make programs large: `(?:a{0,30}){0,30}` is 18 characters and about 1,800 instructions,
 *   and takes ~25 ms a match on a 1,000-character value (`(?:a{0,20}){0,20}`, ~800: ~2 ms).
 *   Plain values (no `*`, not `^…$`) are compared as strings and cost nothing here.
 * Patterns are compiled outside the shared cache (go-regexp.ts), so nothing a client sent outlives
 * its request. A refusal is a BadParameterError naming the field; bad regexp syntax keeps Go's message.
 */
import {BadParameterError} from '../errors.js'
import {GoRegexp} from './go-regexp.js'
import {isRegexForm, labelExpressionPattern, matchLabelsWith, WILDCARD, type LabelMatch, type LabelSelector, type Labels} from './labels.js'

export const SELECTOR_LIMITS = {
  labels: 64,
  valuesPerLabel: 64,
  keyBytes: 256,
  valueBytes: 1024,
  programSize: 1024,
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

/** A plain value is an exact match (`^quoted$` in Teleport), so no regexp is needed for it. */
function isPlain(expression: string): boolean {
  return !isRegexForm(expression) && !expression.includes(WILDCARD)
}

/** Checks the selector and compiles its patterns; match() then runs no compiler and no unbounded pattern. */
export function compileSelector(selector: LabelSelector, field = 'label_selectors'): CompiledSelector {
  checkSelectorSize(selector, field)
  const tests = new Map<string, Test>()
  let programSize = 0
  for (const [key, values] of Object.entries(selector)) {
    values.forEach((expression, i) => {
      if (tests.has(expression)) return
      if (isPlain(expression)) {
        tests.set(expression, (value) => value === expression)
        return
      }
      const re = GoRegexp.compileUncached(labelExpressionPattern(expression))
      programSize += re.programSize
      if (programSize > SELECTOR_LIMITS.programSize) {
        throw new BadParameterError(
          `${field}.${key}[${i}]: the patterns are too complex (${programSize} regexp instructions so far; at most ${SELECTOR_LIMITS.programSize} in all)`,
        )
      }
      tests.set(expression, (value) => re.matchString(value))
    })
  }
  return {match: (labels) => matchLabelsWith(selector, labels, (value, expression) => tests.get(expression)?.(value) ?? false)}
}
