/**
 * How large a Go pattern becomes once counted repetitions are expanded, estimated from its text
 * before anything is compiled. re2js (as Go's regexp/syntax simplify.go does) copies `x{n,m}` m
 * times, so 1 KiB like `\pL{1000}` repeated a hundred times compiles to 100,000 instructions and
 * takes seconds; a client's pattern is refused on this estimate before the compiler runs.
 *
 * Only the shape is read: groups, bracket classes and escapes are skipped as units, every other
 * character counts 1, a group counts its contents, and `{n}`, `{n,}`, `{n,m}` multiply what precedes
 * them. Where the text is ambiguous this over-counts (it never reads a class or escape as a repeat),
 * and it is no judge of validity: re2js compiles what passes and reports the real size and errors.
 */

const REPEAT = /\{([0-9]+)(?:,([0-9]*))?\}/y

/** Go refuses counts over 1000, so larger numbers need not be exact. */
const countOf = (digits: string): number => Math.min(Number(digits), 1001)

export function estimatePatternSize(pattern: string): number {
  const groups: number[][] = [[]]
  const items = (): number[] => groups[groups.length - 1] as number[]
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i] as string
    REPEAT.lastIndex = i
    const repeat = c === '{' ? REPEAT.exec(pattern) : null
    if (repeat !== null) {
      const min = countOf(repeat[1] as string)
      const max = repeat[2] === undefined ? min : repeat[2] === '' ? min + 1 : countOf(repeat[2])
      items().push((items().pop() ?? 0) * Math.max(min, max, 1))
      i = REPEAT.lastIndex
    } else if (c === '(') {
      groups.push([])
      i++
    } else if (c === ')' && groups.length > 1) {
      const inner = groups.pop() as number[]
      items().push(sum(inner) + 1)
      i++
    } else {
      const end = c === '\\' ? escapeEnd(pattern, i) : c === '[' ? classEnd(pattern, i) : i + 1
      // A `\Q…\E` run counts its characters; a repeat after it then multiplies them all (an over-count).
      items().push(c === '\\' && pattern[i + 1] === 'Q' ? end - i : 1)
      i = end
    }
  }
  return groups.reduce((total, g) => total + sum(g), 0)
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0)

/** Past `\Q…\E`, `\p{…}` `\P{…}` `\x{…}`, or a backslash and one character. */
function escapeEnd(pattern: string, i: number): number {
  const kind = pattern[i + 1]
  if (kind === 'Q') {
    const close = pattern.indexOf('\\E', i + 2)
    return close < 0 ? pattern.length : close + 2
  }
  if ((kind === 'p' || kind === 'P' || kind === 'x') && pattern[i + 2] === '{') {
    const close = pattern.indexOf('}', i + 3)
    return close < 0 ? pattern.length : close + 1
  }
  return Math.min(i + 2, pattern.length)
}

/** Past a bracket class: `]` first is literal, escapes and `[:name:]` are skipped whole. */
function classEnd(pattern: string, i: number): number {
  let j = i + 1
  if (pattern[j] === '^') j++
  if (pattern[j] === ']') j++
  while (j < pattern.length) {
    if (pattern[j] === ']') return j + 1
    if (pattern[j] === '\\') j = escapeEnd(pattern, j)
    else if (pattern.startsWith('[:', j) && pattern.indexOf(':]', j + 2) >= 0) j = pattern.indexOf(':]', j + 2) + 2
    else j++
  }
  return j
}
