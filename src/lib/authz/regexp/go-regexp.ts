/**
 * A compiled Go regular expression running on the JavaScript engine: `MatchString` (unanchored
 * search) and `ReplaceAllString` with Go's `$1`/`${name}` expansion and Go's rule that an empty
 * match right after a previous match is not replaced.
 */
import {translateGoRegexp} from './translate.js'

export class GoRegexp {
  private readonly search: RegExp
  private readonly global: RegExp

  private constructor(
    readonly pattern: string,
    source: string,
    private readonly groupNames: readonly (string | undefined)[],
  ) {
    this.search = new RegExp(source, 'u')
    this.global = new RegExp(source, 'gu')
  }

  /** Compiles (and caches, as Teleport does) a Go pattern; throws GoRegexpError with Go's message. */
  static compile(pattern: string): GoRegexp {
    const cached = cache.get(pattern)
    if (cached !== undefined) return cached
    const translation = translateGoRegexp(pattern)
    const re = new GoRegexp(pattern, translation.source, translation.groupNames)
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    cache.set(pattern, re)
    return re
  }

  /** Go `MatchString`: does the pattern match anywhere in `s`? */
  matchString(s: string): boolean {
    return this.search.test(s)
  }

  /** Go `ReplaceAllString(src, template)`. */
  replaceAllString(src: string, template: string): string {
    let out = ''
    let lastMatchEnd = 0
    let searchPos = 0
    while (searchPos <= src.length) {
      this.global.lastIndex = searchPos
      const m = this.global.exec(src)
      if (m === null) break
      const start = m.index
      const end = start + m[0].length
      out += src.slice(lastMatchEnd, start)
      // An empty match abutting the previous match is not replaced (Go, not JavaScript).
      if (end > lastMatchEnd || start === 0) out += this.expand(template, m)
      lastMatchEnd = end
      const cp = src.codePointAt(searchPos)
      const width = cp !== undefined && cp > 0xffff ? 2 : 1
      searchPos = searchPos + width > end ? searchPos + width : end
    }
    return out + src.slice(lastMatchEnd)
  }

  /** Go `Regexp.Expand`: `$$`, `$1`, `$name`, `${name}`; unknown or unmatched groups expand to "". */
  private expand(template: string, m: RegExpExecArray): string {
    let out = ''
    let rest = template
    for (;;) {
      const dollar = rest.indexOf('$')
      if (dollar < 0) break
      out += rest.slice(0, dollar)
      rest = rest.slice(dollar + 1)
      if (rest.startsWith('$')) {
        out += '$'
        rest = rest.slice(1)
        continue
      }
      const ref = /^(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(rest)
      if (ref === null) {
        out += '$' // malformed: the dollar is literal text
        continue
      }
      rest = rest.slice(ref[0].length)
      out += this.group(ref[1] ?? ref[2] ?? '', m)
    }
    return out + rest
  }

  private group(name: string, m: RegExpExecArray): string {
    if (/^[0-9]+$/.test(name) && name.length < 9) return m[Number(name)] ?? ''
    const index = this.groupNames.indexOf(name)
    return index > 0 ? (m[index] ?? '') : ''
  }
}

const CACHE_SIZE = 1000
const cache = new Map<string, GoRegexp>()
