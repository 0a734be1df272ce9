/**
 * Go's `%q` and `%v` renderings, so messages read exactly as Teleport's do (`attribute "x" not found`,
 * `no value match: got 'a' want: '[b c]'`).
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"',
}

/** Go `strconv.Quote`: printable runes stay, the rest are escaped. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch]
    if (short !== undefined) out += short
    else if (PRINTABLE.test(ch)) out += ch
    else out += escapeCodePoint(ch.codePointAt(0) ?? 0)
  }
  return out + '"'
}

function escapeCodePoint(cp: number): string {
  if (cp < 0x80) return '\\x' + cp.toString(16).padStart(2, '0')
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0')
  return '\\U' + cp.toString(16).padStart(8, '0')
}

/** Go `fmt.Sprint` of a `[]string`: `[a b c]`. */
export function goStringSlice(values: readonly string[]): string {
  return '[' + values.join(' ') + ']'
}
