import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {GoRegexp} from '../../../src/lib/authz/go-regexp.js'
import {estimatePatternSize} from '../../../src/lib/authz/pattern-size.js'

describe('estimatePatternSize', () => {
  // [pattern, estimate]: characters count 1, groups their contents + 1, counted repeats multiply.
  const cases: Array<[string, number]> = [
    ['^prod$', 6],
    ['^(a+)+$', 6],
    ['^x{1000}$', 1002],
    ['^a{2,}$', 5], // {n,} is n copies and a star
    ['^(?:a{0,10}){0,10}$', 132],
    ['^(?:(?:a{0,10}){0,10}){0,10}$', 1332],
    ['^\\pL{1000}$', 1003], // \pL is one unit
    ['^\\p{Greek}{3}$', 5],
    ['^\\x{1F600}{3}$', 5],
    ['^[{]{5}$', 7], // a brace in a class is no repeat
    ['^[]{]{5}$', 7], // `]` first in a class is literal
    ['^[[:alpha:]]{3}$', 5],
    ['^[\\]{]{4}$', 6],
    ['^\\{{5}$', 7], // an escaped brace is a literal, the next one a repeat
    ['^\\Qa{1000}\\E$', 13], // quoted text is literal
    ['^a{99999999}$', 1003], // counts Go would refuse stay bounded
    ['^a{,5}$', 7], // not a repeat in Go: literal characters
    ['^(a|b|c){5,10}$', 62],
  ]
  for (const [pattern, estimate] of cases) it(`${JSON.stringify(pattern)} → ${estimate}`, () => assert.equal(estimatePatternSize(pattern), estimate))

  it('stays within a small factor of the compiled size (so a small estimate means a small program)', () => {
    const patterns = [
      '^(?:a{0,20}){0,20}$', '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$', `^${'.*'.repeat(30)}!$`, '^(?i)(?:[a-z]{0,10}){0,10}$',
      '^(dev|stage|prod)-[0-9]+$', '^(?:a|bb|ccc){0,50}$', '^(?:ab?){100}$', '^\\pL{1000}$', '^(?P<n>a{3})$', '^[[:alpha:]]{3}$',
    ]
    for (const pattern of patterns) {
      const size = GoRegexp.compileUncached(pattern).programSize
      assert.ok(size <= 2 * estimatePatternSize(pattern) + 8, `${pattern}: compiled ${size}, estimated ${estimatePatternSize(pattern)}`)
    }
  })

  it('reads a 1 KiB pattern that would expand to 100,000 instructions as large, without compiling it', () => {
    assert.ok(estimatePatternSize(`^${'\\pL{1000}'.repeat(100)}$`) > 100_000)
  })
})
