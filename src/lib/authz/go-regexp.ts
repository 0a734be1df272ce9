/**
 * Go regular expressions (what Teleport's `^…$` label values, label expressions and
 * `regexp.replace` are written in) on re2js, which implements Go's RE2 syntax (`regexp/syntax`)
 * with linear-time matching: no backtracking blow-up, though the cost per character grows with the
 * compiled program (label-selector.ts bounds it for patterns clients send). This module adds only
 * what re2js does not do the Go way: `ReplaceAllString` with Go's `Regexp.Expand` template rules,
 * and a bounded cache of compiled patterns (Teleport keeps an LRU of 1000 in lib/utils/replace.go,
 * `exprCache`).
 */
import {createRequire} from 'node:module'
import type {RE2JS} from 're2js'
import {BadParameterError} from '../errors.js'

let library: typeof import('re2js') | undefined

/**
 * re2js, loaded on first compile (its CommonJS build, so compiling stays synchronous): the label
 * values roles are usually written with are plain text (labels.ts compares those as text), and an
 * idle tbot then never loads it (~2 MB of RSS).
 */
function re2js(): typeof import('re2js') {
  library ??= createRequire(import.meta.url)('re2js') as typeof import('re2js')
  return library
}

export class GoRegexp {
  private readonly groupIndex: Readonly<Record<string, number>>

  private constructor(private readonly re: RE2JS) {
    this.groupIndex = re.namedGroups()
  }

  /**
   * Compiles a Go pattern through the shared cache (for patterns an administrator wrote: roles,
   * rules, templates). Bad syntax is a BadParameterError with Go's message (`error parsing regexp: …`).
   */
  static compile(pattern: string): GoRegexp {
    const cached = cache.get(pattern)
    if (cached !== undefined) {
      // Least recently used goes first: re-inserting moves the entry to the end of the Map's order.
      cache.delete(pattern)
      cache.set(pattern, cached)
      return cached
    }
    const compiled = GoRegexp.compileUncached(pattern)
    if (cache.size >= REGEXP_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    cache.set(pattern, compiled)
    return compiled
  }

  /**
   * Compiles without the cache: for patterns a client sent, so their compiled state (re2js keeps a
   * lazily built DFA per pattern) lives only as long as the request that uses it.
   */
  static compileUncached(pattern: string): GoRegexp {
    try {
      return new GoRegexp(re2js().RE2JS.compile(pattern))
    } catch (err) {
      if (err instanceof re2js().RE2JSException) throw new BadParameterError(err.message, {cause: err})
      throw err
    }
  }

  /** re2js's instruction count for the compiled program: what one step of a match can cost. */
  get programSize(): number {
    return this.re.programSize()
  }

  /** Go `MatchString`: does the pattern match anywhere in `s`? */
  matchString(s: string): boolean {
    return this.re.test(s)
  }

  /**
   * Go `ReplaceAllString`: every match replaced by the expanded template, except an empty match
   * right after the previous match (Go skips it; JavaScript's replace does not).
   */
  replaceAllString(src: string, template: string): string {
    let out = ''
    let lastMatchEnd = 0
    for (const m of this.re.matchAll(src)) {
      const start = m.index ?? 0
      const end = start + m[0].length
      out += src.slice(lastMatchEnd, start)
      if (end > lastMatchEnd || start === 0) out += this.expand(template, m)
      lastMatchEnd = end
    }
    return out + src.slice(lastMatchEnd)
  }

  /** Go `Regexp.Expand`: `$$`, `$1`, `$name`, `${name}`; an unknown or unmatched group is "". */
  private expand(template: string, m: RegExpMatchArray): string {
    let out = ''
    let rest = template
    for (let dollar = rest.indexOf('$'); dollar >= 0; dollar = rest.indexOf('$')) {
      out += rest.slice(0, dollar)
      rest = rest.slice(dollar + 1)
      if (rest.startsWith('$')) {
        out += '$'
        rest = rest.slice(1)
        continue
      }
      const ref = GROUP_REFERENCE.exec(rest)
      if (ref === null) {
        out += '$' // malformed: the dollar is literal text
        continue
      }
      rest = rest.slice(ref[0].length)
      out += this.group(ref[1] ?? ref[2] ?? '', m)
    }
    return out + rest
  }

  /** A name of digits only (no leading zero, below 1e8) is a group number; anything else a group name. */
  private group(name: string, m: RegExpMatchArray): string {
    const isNumber = /^(?:0|[1-9][0-9]{0,7})$/.test(name)
    const index = isNumber ? Number(name) : Object.hasOwn(this.groupIndex, name) ? this.groupIndex[name] : undefined
    return index === undefined ? '' : (m[index] ?? '')
  }
}

/** `{name}` or `name`, where a name is letters, digits and `_` (Go's `extract` in regexp.go). */
const GROUP_REFERENCE = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u

export const REGEXP_CACHE_SIZE = 1000
const cache = new Map<string, GoRegexp>()
