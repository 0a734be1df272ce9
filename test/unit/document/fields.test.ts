import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {FieldReader, hintFrom} from '../../../src/lib/document/fields.js'
import {fieldPlace, itemPlace, rootPlace} from '../../../src/lib/document/place.js'

const ROOT = rootPlace({file: 'f.yaml', document: 2})

function message(read: () => unknown): string {
  try {
    read()
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`)
    assert.equal(err.code, 'BAD_PARAMETER')
    return err.message
  }
  return assert.fail('expected an InputError')
}

const reader = (value: unknown, known?: readonly string[]) => FieldReader.of(value, ROOT, known)

describe('places', () => {
  it('name plain keys with dots, other keys in brackets, list items by index', () => {
    const place = itemPlace(fieldPlace(fieldPlace(fieldPlace(ROOT, 'metadata'), 'labels'), 'teleport.dev/origin'), 3)
    assert.equal(place.path, 'metadata.labels["teleport.dev/origin"][3]')
    assert.deepEqual(rootPlace({file: 'x', field: 'ignored'}), {loc: {file: 'x'}, path: ''})
  })
})

describe('FieldReader: one wording per fault', () => {
  it('wrong type: must be <expected>, got <kind of value>, never the value itself', () => {
    const r = reader({s: ['secret'], b: 'yes', i: 1.5, n: -1, l: 'x', m: 7, d: {}, inf: Infinity})
    assert.equal(message(() => r.string('s')), 'f.yaml: document 2: s: must be a string, got a list')
    assert.equal(message(() => r.boolean('b')), 'f.yaml: document 2: b: must be true or false, got a string')
    assert.equal(message(() => r.integer('i')), 'f.yaml: document 2: i: must be an integer, got a number')
    assert.equal(message(() => r.count('n')), 'f.yaml: document 2: n: must be a non-negative integer, got a number')
    assert.equal(message(() => r.list('l')), 'f.yaml: document 2: l: must be a list, got a string')
    assert.equal(message(() => r.mapping('m')), 'f.yaml: document 2: m: must be a mapping, got a number')
    assert.equal(message(() => r.duration('d')), 'f.yaml: document 2: d: must be a duration such as "1h" or "3600s", got a mapping')
    assert.equal(message(() => r.text('inf')), 'f.yaml: document 2: inf: must be a string, got Infinity')
    assert.equal(message(() => reader(['a'])), 'f.yaml: document 2: must be a mapping, got a list')
    assert.equal(message(() => reader({l: ['a', 2]}).stringList('l')), 'f.yaml: document 2: l[1]: must be a string, got a number')
  })

  it('absence: null is absent; `is required` for a missing field, `must not be empty` for an empty one', () => {
    const r = reader({a: null, e: ''})
    assert.equal(r.string('a'), undefined)
    assert.equal(r.has('a'), false)
    assert.equal(message(() => r.requiredString('a')), 'f.yaml: document 2: a: is required')
    assert.equal(message(() => r.requiredString('e')), 'f.yaml: document 2: e: is required')
    assert.equal(message(() => r.required.string('a')), 'f.yaml: document 2: a: is required')
    assert.equal(r.required.string('e'), '')
    assert.equal(message(() => r.nonEmptyString('e')), 'f.yaml: document 2: e: must not be empty')
    assert.equal(message(() => r.required.list('x')), 'f.yaml: document 2: x: is required')
    assert.equal(message(() => r.required.mapping('x')), 'f.yaml: document 2: x: is required')
    assert.equal(message(() => r.required.count('x')), 'f.yaml: document 2: x: is required')
    assert.equal(message(() => r.required.boolean('x')), 'f.yaml: document 2: x: is required')
  })

  it('unknown fields: all of them, at the mapping, known up front or found unread', () => {
    assert.equal(message(() => reader({a: 1, b: 2, c: 3}, ['a'])), 'f.yaml: document 2: unknown fields "b", "c"')
    const r = FieldReader.of({spec: {x: 1, y: 2}}, ROOT).mapping('spec')!
    r.get('x')
    assert.equal(message(() => r.done()), 'f.yaml: document 2: spec: unknown field "y"')
  })

  it('hints come from own keys only', () => {
    const hint = hintFrom({old: 'use new'})
    assert.equal(message(() => FieldReader.of({old: 1}, ROOT, [], hint)), 'f.yaml: document 2: unknown field "old" (use new)')
    assert.equal(message(() => FieldReader.of({constructor: 1}, ROOT, [], hint)), 'f.yaml: document 2: unknown field "constructor"')
    const proto = JSON.parse('{"__proto__": 1}') as unknown
    assert.equal(message(() => FieldReader.of(proto, ROOT, [], hint)), 'f.yaml: document 2: unknown field "__proto__"')
  })

  it('durations: Go syntax, protojson seconds, bare seconds; negative refused, zero too when it must be positive', () => {
    const r = reader({go: '1h30m', proto: '3600s', secs: 90, zero: '0s', neg: '-1m', bad: 'soon'})
    assert.equal(r.duration('go'), 5_400_000)
    assert.equal(r.duration('proto'), 3_600_000)
    assert.equal(r.duration('secs'), 90_000)
    assert.equal(r.duration('zero'), 0)
    assert.equal(message(() => r.duration('zero', {positive: true})), 'f.yaml: document 2: zero: must be positive')
    assert.equal(message(() => r.duration('neg')), 'f.yaml: document 2: neg: must not be negative')
    assert.equal(message(() => r.duration('neg', {positive: true})), 'f.yaml: document 2: neg: must be positive')
    assert.equal(message(() => r.duration('bad')), 'f.yaml: document 2: bad: invalid duration "soon"')
  })

  it('text reads any scalar as its text (Go YAML into a string field); string does not', () => {
    const r = reader({n: 123, b: true, l: [1, false, 'x']})
    assert.equal(r.text('n'), '123')
    assert.equal(r.text('b'), 'true')
    assert.deepEqual(r.textList('l'), ['1', 'false', 'x'])
    assert.equal(message(() => r.string('n')), 'f.yaml: document 2: n: must be a string, got a number')
  })

  it('reads own keys only: `constructor` or `toString` are not found on Object.prototype', () => {
    const r = reader({})
    assert.equal(r.get('constructor'), undefined)
    assert.equal(r.has('toString'), false)
  })

  it('list items carry their place', () => {
    assert.deepEqual(reader({l: ['a']}).list('l'), [{value: 'a', place: {loc: {file: 'f.yaml', document: 2}, path: 'l[0]'}}])
  })
})
