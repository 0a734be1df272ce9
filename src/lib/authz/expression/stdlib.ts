/**
 * The functions and methods of Teleport's default predicate spec (`lib/expression/parser.go`
 * DefaultParserSpec), which workload identity rules and templates use: `set`, `union`, `ifelse`,
 * `choose`/`option`, `strings.upper|lower|replaceall|split`, `email.local`, `regexp.replace`,
 * `contains_any`, `contains_all`, `is_empty`, and the methods `.contains`, `.add`, `.remove`,
 * `.contains_any`, `.contains_all`, `.isempty`. (`dict`, `pair`, `put`, `add_values` and the time
 * functions are not provided: they work on values workload identity attributes never produce.)
 */
import {BadParameterError} from '../../errors.js'
import {GoRegexp} from '../go-regexp.js'
import {ExpressionError} from './errors.js'
import {fixed, variadic, type FunctionSpec} from './functions.js'
import {Option, StringSet, T, goTypeOf, type Value} from './values.js'

const set = (v: Value): StringSet => v as StringSet

/** Go's unicode.ToUpper/ToLower map rune by rune, never to several runes (`ß` stays `ß`). */
export function goMapCase(s: string, upper: boolean): string {
  let out = ''
  for (const ch of s) {
    if (!upper && ch === '\u0130') {
      out += 'i'
      continue
    }
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase()
    out += [...mapped].length === 1 ? mapped : ch
  }
  return out
}

/** Teleport `StringTransform`: a string maps to a string, a set to a set. */
function stringTransform(name: string, input: Value, f: (s: string) => string): Value {
  if (typeof input === 'string') return f(input)
  if (input instanceof StringSet) return new StringSet(input.items.map(f))
  throw new ExpressionError(`failed to evaluate argument to ${name}: expected string or set, got value of type ${goTypeOf(input)}`)
}

/** Go `strings.ReplaceAll`: an empty `old` matches before every character and at the end. */
function goReplaceAll(s: string, old: string, replacement: string): string {
  return old === '' ? replacement + [...s].map((c) => c + replacement).join('') : s.split(old).join(replacement)
}

/** Go `strings.Split`: an empty separator splits into characters. */
function goSplit(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep)
}

/** Teleport `parse.EmailLocal` on a list: local parts, empty results dropped. */
export function emailLocalList(emails: readonly string[]): string[] {
  return emails.map(emailLocal).filter((x) => x !== '')
}

/** One address (net/mail ParseAddress, simplified to `Name <addr>` and bare addresses). */
function emailLocal(email: string): string {
  if (email === '') throw new ExpressionError('found empty "email.local" argument')
  const angle = /<([^<>]*)>\s*$/.exec(email)
  const address = (angle?.[1] ?? email).trim()
  const at = address.lastIndexOf('@')
  if (at <= 0 || at === address.length - 1 || /\s/.test(address)) {
    const reason = at < 0 ? 'mail: missing @ in addr-spec' : 'mail: no address'
    throw new ExpressionError(`failed to parse "email.local" argument ${JSON.stringify(email)}: ${reason}`)
  }
  return address.slice(0, at)
}

/** Teleport `parse.RegexpReplace`: inputs that do not match are dropped, as are empty results. */
export function regexpReplaceList(inputs: readonly string[], pattern: string, replacement: string): string[] {
  let re: GoRegexp
  try {
    re = GoRegexp.compile(pattern)
  } catch (err) {
    if (!(err instanceof BadParameterError)) throw err
    const quoted = JSON.stringify(pattern)
    throw new ExpressionError(`invalid regexp ${quoted}: failed to parse regexp ${quoted}: ${err.message}`)
  }
  const out = inputs.filter((s) => re.matchString(s)).map((s) => re.replaceAllString(s, replacement))
  return out.filter((s) => s !== '')
}

function choose(options: readonly Value[]): Value {
  for (const opt of options) if ((opt as Option).condition) return (opt as Option).value
  throw new ExpressionError(
    'evaluating choose expression: no option could be selected, consider adding a default option by hardcoding the condition to "true"',
  )
}

const containsAny = (a: Value, b: Value): boolean => set(b).items.some((v) => set(a).has(v))
const containsAll = (a: Value, b: Value): boolean => set(b).items.length > 0 && set(b).items.every((v) => set(a).has(v))

export function defaultFunctions<E>(): Record<string, FunctionSpec<E>> {
  return {
    'set': variadic([], T.string, T.set, (args) => new StringSet(args as string[])),
    'union': variadic([], T.set, T.set, (args) => new StringSet(args.flatMap((s) => set(s).items))),
    'ifelse': fixed([T.bool, T.any, T.any], T.any, ([c, a, b]) => ((c as boolean) ? (a as Value) : (b as Value))),
    'choose': variadic([], T.option, T.any, (args) => choose(args)),
    'option': fixed([T.bool, T.any], T.option, ([c, v]) => new Option(c as boolean, v as Value)),
    'strings.upper': fixed([T.any], T.any, ([s]) => stringTransform('strings.upper', s as Value, (x) => goMapCase(x, true))),
    'strings.lower': fixed([T.any], T.any, ([s]) => stringTransform('strings.lower', s as Value, (x) => goMapCase(x, false))),
    'strings.replaceall': fixed([T.any, T.string, T.string], T.any, ([s, match, repl]) =>
      stringTransform('strings.replaceall', s as Value, (x) => goReplaceAll(x, match as string, repl as string))),
    'strings.split': fixed([T.set, T.string], T.set, ([s, sep]) => new StringSet(set(s as Value).items.flatMap((x) => goSplit(x, sep as string)))),
    'email.local': fixed([T.set], T.set, ([s]) => new StringSet(emailLocalList(set(s as Value).items))),
    'regexp.replace': fixed([T.set, T.string, T.string], T.set, ([s, p, r]) =>
      new StringSet(regexpReplaceList(set(s as Value).items, p as string, r as string))),
    'contains_any': fixed([T.set, T.set], T.bool, ([a, b]) => containsAny(a as Value, b as Value)),
    'contains_all': fixed([T.set, T.set], T.bool, ([a, b]) => containsAll(a as Value, b as Value)),
    'is_empty': fixed([T.set], T.bool, ([s]) => set(s as Value).items.length === 0),
  }
}

export function defaultMethods<E>(): Record<string, FunctionSpec<E>> {
  return {
    add: variadic([T.set], T.string, T.set, ([s, ...values]) => new StringSet([...set(s as Value).items, ...(values as string[])])),
    contains: fixed([T.set, T.string], T.bool, ([s, v]) => set(s as Value).has(v as string)),
    remove: variadic([T.remover], T.string, T.any, ([s, ...values]) => new StringSet(set(s as Value).items.filter((v) => !values.includes(v)))),
    contains_any: fixed([T.set, T.set], T.bool, ([a, b]) => containsAny(a as Value, b as Value)),
    contains_all: fixed([T.set, T.set], T.bool, ([a, b]) => containsAll(a as Value, b as Value)),
    isempty: fixed([T.set], T.bool, ([s]) => set(s as Value).items.length === 0),
  }
}
