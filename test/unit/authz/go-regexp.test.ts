import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {BadParameterError} from '../../../src/lib/errors.js'
import {GoRegexp, REGEXP_CACHE_SIZE} from '../../../src/lib/authz/go-regexp.js'

describe('Go regexp semantics (re2js)', () => {
  // [pattern, input, matches]: each behaviour is Go's (checked against regexp/syntax rules).
  const cases: Array<[string, string, boolean]> = [
    ['^a.c$', 'abc', true],
    ['^a.c$', 'a\nc', false], // . excludes \n
    ['^a.c$', 'a\rc', true], // … but not \r (JavaScript's . would)
    ['(?s)^a.c$', 'a\nc', true],
    ['^abc$', 'abc\n', false], // $ is end of text, not before a final newline
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['\\Aab\\z', 'ab', true],
    ['^\\s$', '\u00a0', false], // \s is ASCII in Go
    ['^\\s$', '\v', false], // … and excludes \v
    ['^\\s$', '\f', true],
    ['^\\w+$', 'héllo', false], // \w is ASCII
    ['^\\d$', '٣', false], // \d is ASCII
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\PL$', '1', true],
    ['^\\p{^L}$', 'a', false],
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^[[:^digit:]]+$', 'ab', true],
    ['^[[:^digit:]]+$', 'a1', false],
    ['^[^a]$', '\n', true], // negated classes match \n
    ['^[\\d\\-x]+$', '1-x', true],
    ['^[a-]+$', 'a-', true],
    ['^[]a]+$', ']a', true],
    ['^(?i)straße$', 'STRAßE', true],
    ['^(?i)k$', '\u212a', true], // Kelvin sign folds to k, as in Go
    ['^(?i:a)b$', 'Ab', true],
    ['^(?i:a)b$', 'AB', false],
    ['^a(?i)b|c$', 'aB', true],
    ['^(a(?i)b|c)$', 'C', true], // (?i) lasts to the end of its group, later branches included
    ['^(a(?i)b)c$', 'aBC', false],
    ['^\\x{1F600}$', '😀', true],
    ['^.$', '😀', true], // one rune, not two UTF-16 units
    ['^\\Qa.b*\\E$', 'a.b*', true],
    ['^\\Qa.b*\\E$', 'axb', false],
    ['^a{2,3}$', 'aaa', true],
    ['^a{2,3}$', 'aaaa', false],
    ['^a{01}$', 'a{01}', true], // a leading zero makes it a literal brace
    ['^x{,3}$', 'x{,3}', true],
    ['^\\101$', 'A', true], // octal escape
    ['^\\_$', '_', true],
    ['^(?P<name>a)(?<other>b)$', 'ab', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['^$', '', true],
  ]
  for (const [pattern, input, expected] of cases) {
    it(`${JSON.stringify(pattern)} on ${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(GoRegexp.compile(pattern).matchString(input), expected)
    })
  }
})

describe('Go regexp errors', () => {
  const cases: Array<[string, string]> = [
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*+', 'invalid nested repetition operator: `*+`'],
    ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['(?', 'invalid or unsupported Perl syntax: `(?`'],
    ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
    ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'], // no `>` at all: Go quotes the rest
    ['(?<=a>)', 'invalid named capture: `(?<=a>`'],
    ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
    ['(?P<name', 'invalid named capture: `(?P<name`'],
    ['\\1', 'invalid escape sequence: `\\1`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['\\x4', 'invalid escape sequence: `\\x4`'],
    ['\\x{}', 'invalid escape sequence: `\\x{}`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['a\\', 'trailing backslash at end of expression'], // Go adds ": ``"; re2js's words
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['a{3,2}', 'invalid repeat count: `{3,2}`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\p{Klingon}', 'invalid character class range: `\\p{Klingon}`'],
    ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
    ['[abc', 'missing closing ]: `[abc`'],
    ['x[a-', 'missing closing ]: `[a-`'],
    ['(abc', 'missing closing ): `(abc`'],
    ['abc)', 'unexpected ): `abc)`'],
  ]
  for (const [pattern, message] of cases) {
    it(JSON.stringify(pattern), () => {
      assert.throws(() => GoRegexp.compile(pattern), (err: unknown) => {
        assert.ok(err instanceof BadParameterError)
        assert.equal(err.message, `error parsing regexp: ${message}`)
        return true
      })
    })
  }
})

describe('GoRegexp.replaceAllString', () => {
  const cases: Array<[string, string, string, string]> = [
    ['^env-(.*)$', 'env-prod', '$1', 'prod'],
    ['(\\w+)@(\\w+)', 'bob@example', '$2:$1', 'example:bob'],
    ['(?P<user>\\w+)@', 'bob@x', '${user}-', 'bob-x'],
    ['(?P<user>\\w+)@', 'bob@x', '$user-', 'bob-x'],
    ['(a)', 'a', '$1x', ''], // $1x names group "1x", which does not exist
    ['(a)', 'a', '${1}x', 'ax'],
    ['a', 'a', '$$', '$'],
    ['a', 'a', '$', '$'],
    ['a', 'a', '${', '${'],
    ['a', 'a', '${1', '${1'], // no closing brace: the dollar is literal
    ['(a)', 'a', '$0-$1', 'a-a'], // $0 is the whole match
    ['(a)', 'a', '$01', ''], // a leading zero makes it a name, and no group has it
    ['(a)', 'a', '$2', ''], // no such group
    ['(?P<x>a)', 'a', '<$xé>', '<>'], // a template name runs over Unicode letters: "xé", which no group has
    ['(?P<x>a)', 'a', '<${x}é>', '<aé>'],
    ['(?P<x>a)', 'a', '$x.$x', 'a.a'],
    ['(?P<x>a)', 'a', '$constructor', ''], // not a group, whatever JavaScript objects have
    ['(a)(b)?', 'a', '[$2]', '[]'],
    ['(a)|(b)', 'b', '[$1]', '[]'], // unmatched group is empty
    ['a*', 'baaac', '-', '-b-c-'], // an empty match right after a match is not replaced (JavaScript differs)
    ['x*', 'abc', '-', '-a-b-c-'],
    ['', '😀', '-', '-😀-'],
    ['o', 'foo', '0', 'f00'],
  ]
  for (const [pattern, input, template, expected] of cases) {
    it(`${pattern} / ${input} / ${template}`, () => assert.equal(GoRegexp.compile(pattern).replaceAllString(input, template), expected))
  }
})

describe('patterns Go accepts are accepted, and match in linear time', () => {
  const cases: Array<[string, string, boolean]> = [
    ['^(a+)+$', 'aaaa', true],
    ['^(a+)+$', 'aaab', false],
    ['^\\pL+$', 'héllo', true],
    ['^\\pL+$', 'héllo1', false],
    ['^(x|y)+$', 'xyyx', true],
    ['^(\\w+\\s?)*$', 'a b c', true],
    ['^(a*)*$', '', true],
    ['^(a{2,})+$', 'aaaaa', true],
    ['^(?:a{0,30}){0,30}$', 'a'.repeat(900), true],
    ['^(?:a{0,30}){0,30}$', 'a'.repeat(901), false],
  ]
  for (const [pattern, input, expected] of cases) {
    it(`${JSON.stringify(pattern)} on ${JSON.stringify(input.length > 20 ? `${input.slice(0, 5)}…(${input.length})` : input)} → ${expected}`, () => {
      assert.equal(GoRegexp.compile(pattern).matchString(input), expected)
    })
  }

  // A backtracking engine takes exponential (or high-polynomial) time on these; RE2 answers in one pass.
  const pathological: Array<[string, string]> = [
    ['^(a+)+$', `${'a'.repeat(100_000)}!`],
    ['^\\pL+$', `${'a'.repeat(100_000)}!`],
    [`^${'.*'.repeat(30)}!$`, 'a'.repeat(100_000)],
    ['^(\\w+\\s?)*$', `${'ab '.repeat(30_000)}!`],
  ]
  for (const [pattern, input] of pathological) {
    it(`${JSON.stringify(pattern)} on ${input.length} characters without a match is answered`, () => {
      const started = process.hrtime.bigint()
      assert.equal(GoRegexp.compile(pattern).matchString(input), false)
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      console.log(`# ${JSON.stringify(pattern)} on ${input.length} characters: ${ms.toFixed(1)} ms`)
    })
  }
})

describe('the compiled-pattern cache', () => {
  it('returns the same compiled pattern for the same source', () => {
    assert.equal(GoRegexp.compile('^cache-same$'), GoRegexp.compile('^cache-same$'))
  })

  it('is bounded: the least recently used pattern is dropped first', () => {
    const kept = GoRegexp.compile('^cache-kept$')
    const dropped = GoRegexp.compile('^cache-dropped$')
    for (let i = 0; i < REGEXP_CACHE_SIZE - 1; i++) {
      GoRegexp.compile(`^cache-filler-${i}$`)
      if (i % 100 === 0) GoRegexp.compile('^cache-kept$') // used again: stays
    }
    assert.equal(GoRegexp.compile('^cache-kept$'), kept)
    assert.notEqual(GoRegexp.compile('^cache-dropped$'), dropped)
  })

  it('compileUncached never hands out a cached pattern', () => {
    const cached = GoRegexp.compile('^cache-apart$')
    assert.notEqual(GoRegexp.compileUncached('^cache-apart$'), cached)
    assert.equal(GoRegexp.compile('^cache-apart$'), cached)
  })

  it('does not cache a pattern that fails to compile', () => {
    for (let i = 0; i < 2; i++) assert.throws(() => GoRegexp.compile('^(cache-bad$'), {message: 'error parsing regexp: missing closing ): `^(cache-bad$`'})
  })
})
