import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {BadParameterError} from '../../../src/lib/errors.js'
import {globToRegexp, matchLabels, matchLabelValue, type LabelSelector} from '../../../src/lib/authz/labels.js'
import {compileSelector} from '../../../src/lib/authz/label-selector.js'

describe('matchLabels', () => {
  const labels = {env: 'prod', team: 'infra-eu', 'app.io/name': 'web.1', empty: ''}
  const cases: Array<[string, LabelSelector, Record<string, string> | undefined, boolean, string]> = [
    ['empty selector matches nothing', {}, labels, false, 'no match, empty selector'],
    ['empty selector matches nothing, unlabelled', {}, {}, false, 'no match, empty selector'],
    ['*:* matches everything', {'*': ['*']}, labels, true, 'matched'],
    ['*:* matches unlabelled', {'*': ['*']}, {}, true, 'matched'],
    ['*:* matches undefined labels', {'*': ['*']}, undefined, true, 'matched'],
    ['*:* with other keys still matches all', {'*': ['*'], nope: ['x']}, {}, true, 'matched'],
    ['*: [*, x] is an ordinary key', {'*': ['*', 'x']}, labels, false, "no key match: '*'"],
    ['exact value', {env: ['prod']}, labels, true, 'matched'],
    ['value mismatch', {env: ['dev']}, labels, false, "no value match: got 'prod' want: '[dev]'"],
    ['any value of the list', {env: ['dev', 'prod']}, labels, true, 'matched'],
    ['missing key', {region: ['*']}, labels, false, "no key match: 'region'"],
    ['wildcard value needs the key', {region: ['*']}, {}, false, "no key match: 'region'"],
    ['wildcard value accepts any', {team: ['*']}, labels, true, 'matched'],
    ['wildcard value accepts empty', {empty: ['*']}, labels, true, 'matched'],
    ['every key must match', {env: ['prod'], team: ['other']}, labels, false, "no value match: got 'infra-eu' want: '[other]'"],
    ['glob prefix', {team: ['infra-*']}, labels, true, 'matched'],
    ['glob is a full match', {team: ['infra']}, labels, false, "no value match: got 'infra-eu' want: '[infra]'"],
    ['glob middle', {team: ['in*-eu']}, labels, true, 'matched'],
    ['glob dot is literal', {'app.io/name': ['web?1']}, labels, false, "no value match: got 'web.1' want: '[web?1]'"],
    ['glob metacharacters are literal', {'app.io/name': ['web.1']}, labels, true, 'matched'],
    ['glob dot does not match other chars', {'app.io/name': ['web.1']}, {'app.io/name': 'webx1'}, false, "no value match: got 'webx1' want: '[web.1]'"],
    ['regex', {env: ['^pr(od|e)$']}, labels, true, 'matched'],
    ['regex alternatives', {env: ['^(dev|stage)$']}, labels, false, "no value match: got 'prod' want: '[^(dev|stage)$]'"],
    ['regex class', {team: ['^[a-z]+-[a-z]{2}$']}, labels, true, 'matched'],
    ['regex needs both anchors, else glob', {env: ['^prod']}, labels, false, "no value match: got 'prod' want: '[^prod]'"],
    ['glob of a caret', {k: ['^prod']}, {k: '^prod'}, true, 'matched'],
    ['regex is used as written (alternation escapes the anchors)', {env: ['^x|od$']}, labels, true, 'matched'],
    ['regex case flag', {env: ['^(?i)PROD$']}, labels, true, 'matched'],
    ['empty value matches empty glob', {empty: ['']}, labels, true, 'matched'],
  ]
  for (const [name, selector, target, matched, reason] of cases) {
    it(name, () => assert.deepEqual(matchLabels(selector, target), {matched, reason}))
  }

  it('rejects an invalid regular expression with Go\'s message', () => {
    assert.throws(() => matchLabels({env: ['^(prod$']}, labels), (err: unknown) => {
      assert.ok(err instanceof BadParameterError)
      assert.equal(err.code, 'BAD_PARAMETER')
      assert.equal(err.message, 'error parsing regexp: missing closing ): `^(prod$`')
      return true
    })
  })

  it('stops at the first value that matches, before an invalid later one', () => {
    assert.deepEqual(matchLabels({env: ['prod', '^(bad$']}, labels), {matched: true, reason: 'matched'})
  })
})

describe('globToRegexp', () => {
  const cases: Array<[string, string]> = [
    ['abc', 'abc'],
    ['a*b', 'a(.*)b'],
    ['a.b', 'a\\.b'],
    ['(x)|[y]{z}^$+?\\', '\\(x\\)\\|\\[y\\]\\{z\\}\\^\\$\\+\\?\\\\'],
    ['*', '(.*)'],
  ]
  for (const [glob, re] of cases) it(`${glob} → ${re}`, () => assert.equal(globToRegexp(glob), re))
})

describe('glob and regexp matching', () => {
  it('a selector compiled per request agrees with the cached matcher, on many random globs and values', () => {
    let seed = 42
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const pick = (alphabet: string, max: number): string => Array.from({length: rand(max + 1)}, () => alphabet[rand(alphabet.length)]).join('')
    for (let i = 0; i < 3000; i++) {
      const selector = {k: [pick('ab*.\n', 6)]}
      const value = pick('ab.\n', 7)
      assert.deepEqual(compileSelector(selector).match({k: value}), matchLabels(selector, {k: value}), `${JSON.stringify(selector)} on ${JSON.stringify(value)}`)
    }
  })

  it('a star never spans a newline (Go .* semantics)', () => {
    assert.equal(matchLabelValue('a\nb', 'a*b'), false)
    assert.equal(matchLabelValue('a\nb', 'a\nb'), true)
    assert.equal(compileSelector({k: ['a*b']}).match({k: 'a\nb'}).matched, false)
    assert.equal(compileSelector({k: ['a\nb']}).match({k: 'a\nb'}).matched, true)
  })

  it('a pathological glob is answered (no catastrophic backtracking)', () => {
    assert.equal(matchLabelValue('a'.repeat(20000), `${'*a'.repeat(40)}*b`), false)
    assert.equal(matchLabelValue('a'.repeat(20000) + 'b', `${'*a'.repeat(40)}*b`), true)
  })

  it('role regexps Go accepts, which a backtracking engine could not run safely, match as Go does', () => {
    const long = `${'a'.repeat(100_000)}!`
    assert.deepEqual(matchLabels({env: ['^(a+)+$']}, {env: 'aaa'}), {matched: true, reason: 'matched'})
    assert.equal(matchLabels({env: ['^(a+)+$']}, {env: long}).matched, false)
    assert.deepEqual(matchLabels({env: ['^\\pL+$']}, {env: 'prodé'}), {matched: true, reason: 'matched'})
    assert.equal(matchLabels({env: ['^\\pL+$']}, {env: long}).matched, false)
  })
})
