import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {BadParameterError} from '../../../src/lib/errors.js'
import {checkSelectorSize, compileSelector, SELECTOR_LIMITS} from '../../../src/lib/authz/label-selector.js'
import {selectByLabels} from '../../../src/lib/authz/decision.js'
import type {LabelSelector} from '../../../src/lib/authz/labels.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {botAttrs, issuerRole, wi} from './fixtures.js'

const TOO_COMPLEX = `the patterns are too complex; at most ${SELECTOR_LIMITS.programSize} regexp instructions are allowed in all`
const labelsOf = (n: number): LabelSelector => Object.fromEntries(Array.from({length: n}, (_, i) => [`k${i}`, ['v']]))

function refusedWith(selector: LabelSelector, message: string | RegExp): void {
  assert.throws(() => compileSelector(selector, 'selector.labels'), (err: unknown) => {
    assert.ok(err instanceof BadParameterError)
    if (typeof message === 'string') assert.equal(err.message, message)
    else assert.match(err.message, message)
    return true
  })
}

describe('label selector limits (ours)', () => {
  const L = SELECTOR_LIMITS
  const ok: Array<[string, LabelSelector]> = [
    [`${L.labels} labels`, labelsOf(L.labels)],
    [`${L.valuesPerLabel} values`, {env: Array.from({length: L.valuesPerLabel}, (_, i) => `v${i}`)}],
    [`a ${L.keyBytes}-byte key`, {['k'.repeat(L.keyBytes)]: ['v']}],
    [`a ${L.valueBytes}-byte plain value`, {env: ['v'.repeat(L.valueBytes)]}],
    ['the `.*` x30 regexp', {env: [`^${'.*'.repeat(30)}!$`]}],
    ['one (?:a{0,10}){0,10} (about 200 instructions)', {env: ['^(?:a{0,10}){0,10}$']}],
    ['a DNS-label regexp', {env: ['^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$']}],
    ['a 200-byte glob', {env: [`${'v'.repeat(199)}*`]}],
    ['many plain values cost no regexp instructions', {env: Array.from({length: L.valuesPerLabel}, (_, i) => `${i}`.repeat(L.valueBytes / 4))}],
  ]
  for (const [name, selector] of ok) it(`accepts ${name}`, () => assert.doesNotThrow(() => compileSelector(selector, 'selector.labels')))

  const refused: Array<[string, LabelSelector, string | RegExp]> = [
    [`${L.labels + 1} labels`, labelsOf(L.labels + 1), `selector.labels: has ${L.labels + 1} labels; at most ${L.labels} are allowed`],
    [`${L.valuesPerLabel + 1} values`, {env: Array.from({length: L.valuesPerLabel + 1}, () => 'v')},
      `selector.labels.env: has ${L.valuesPerLabel + 1} values; at most ${L.valuesPerLabel} are allowed`],
    ['a long key', {['k'.repeat(L.keyBytes + 1)]: ['v']}, `selector.labels: a label key is ${L.keyBytes + 1} bytes long; at most ${L.keyBytes} are allowed`],
    ['a key long in UTF-8 bytes', {['é'.repeat(L.keyBytes / 2 + 1)]: ['v']}, `selector.labels: a label key is ${L.keyBytes + 2} bytes long; at most ${L.keyBytes} are allowed`],
    ['a long value', {env: ['ok', 'v'.repeat(L.valueBytes + 1)]}, `selector.labels.env[1]: is ${L.valueBytes + 1} bytes long; at most ${L.valueBytes} are allowed`],
    ['a long regexp', {env: [`^${'.*'.repeat(L.valueBytes)}$`]}, `selector.labels.env[0]: is ${2 * L.valueBytes + 2} bytes long; at most ${L.valueBytes} are allowed`],
    ['(?:a{0,30}){0,30}', {env: ['^(?:a{0,30}){0,30}$']}, `selector.labels.env[0]: ${TOO_COMPLEX}`],
    ['\\pL{1000}', {env: ['^\\pL{1000}$']}, `selector.labels.env[0]: ${TOO_COMPLEX}`],
    ['1 KiB that would expand to 100,000 instructions', {env: [`^${'\\pL{1000}'.repeat(100)}$`]}, `selector.labels.env[0]: ${TOO_COMPLEX}`],
    ['a 1000-byte glob (about 1000 instructions)', {env: [`${'v'.repeat(999)}*`]}, `selector.labels.env[0]: ${TOO_COMPLEX}`],
    ['patterns too complex in all', {env: ['^(?:a{0,10}){0,10}$'], app: ['x', '^(?:b{0,10}){0,10}$']}, `selector.labels.app[1]: ${TOO_COMPLEX}`],
    ['too complex by the compiled size (the estimate from the text is lower)', {env: ['^(?:a{0,10}){0,10}$', '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$']},
      `selector.labels.env[1]: ${TOO_COMPLEX}`],
    ['bad regexp syntax, with Go\'s message', {env: ['prod', '^(prod$']}, 'error parsing regexp: missing closing ): `^(prod$`'],
  ]
  for (const [name, selector, message] of refused) {
    it(`refuses ${name}`, () => refusedWith(selector, message))
  }

  it('checkSelectorSize checks sizes only (no compiling)', () => {
    assert.doesNotThrow(() => checkSelectorSize({env: ['^(bad$']}, 'f'))
    assert.throws(() => checkSelectorSize(labelsOf(L.labels + 1), 'f'), {message: `f: has ${L.labels + 1} labels; at most ${L.labels} are allowed`})
  })

  it('a repeated pattern is compiled and counted once', () => {
    assert.doesNotThrow(() => compileSelector({a: ['^(?:a{0,10}){0,10}$'], b: ['^(?:a{0,10}){0,10}$'], c: ['^(?:a{0,10}){0,10}$']}))
  })
})

describe('selectByLabels refuses a selector over the limits before any matching', () => {
  const td = TrustDomain.parse('example.org')
  it('even with no workload identities to match', () => {
    assert.throws(() => selectByLabels([], labelsOf(SELECTOR_LIMITS.labels + 1), [issuerRole()], botAttrs, td),
      {message: `label_selectors: has ${SELECTOR_LIMITS.labels + 1} labels; at most ${SELECTOR_LIMITS.labels} are allowed`})
  })

  it('and serves a pathological but bounded one correctly', () => {
    const identities = [wi('long', {}, {env: 'a'.repeat(1000)}), wi('short', {}, {env: 'prod'}), wi('bang', {}, {env: 'x!'})]
    const names = (selector: LabelSelector) => selectByLabels(identities, selector, [issuerRole()], botAttrs, td).map((d) => d.workloadIdentity.name)
    assert.deepEqual(names({env: [`^${'.*'.repeat(30)}!$`]}), ['bang'])
    assert.deepEqual(names({env: ['^(?:a{0,10}){0,10}$']}), [])
    assert.deepEqual(names({env: ['^(?:a{0,10}){0,10}a*$']}), ['long'])
    assert.deepEqual(names({env: ['^(a+)+$']}), ['long'])
  })
})
