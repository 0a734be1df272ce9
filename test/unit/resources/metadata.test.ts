import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {MAX_NAME_BYTES, parseRfc3339, resourceNameProblem} from '../../../src/lib/resources/metadata.js'
import {parseResourceValue, parseResources} from '../../../src/lib/resources/parse.js'

const LOC = {file: 'r.yaml', document: 2}
const role = (metadata: unknown): unknown => ({kind: 'role', version: 'v6', metadata})

function reasonFor(metadata: unknown): string {
  try {
    parseResourceValue(role(metadata), LOC)
  } catch (err) {
    assert.ok(err instanceof InputError)
    return `${err.location.field}: ${err.reason}`
  }
  return assert.fail('expected an InputError')
}

describe('metadata.name: safe as a file name and a URL path segment', () => {
  const bad: Array<[string, string]> = [
    ['', 'is required'],
    ['.', 'must not be "."'],
    ['..', 'must not be ".."'],
    ['a/b', 'must not contain "/"'],
    ['../etc/passwd', 'must not contain "/"'],
    ['/', 'must not contain "/"'],
    ['a\\b', 'must not contain "\\"'],
    ['..\\x', 'must not contain "\\"'],
    ['nul\u0000byte', 'must not contain control characters'],
    ['bell\u0007', 'must not contain control characters'],
    ['new\nline', 'must not contain control characters'],
    ['tab\t', 'must not contain control characters'],
    ['del\u007f', 'must not contain control characters'],
    ['c1\u0085', 'must not contain control characters'],
    ['lone\ud800surrogate', 'must be valid Unicode'],
    ['x'.repeat(254), 'is too long (254 bytes, the limit is 253)'],
    ['é'.repeat(127), 'is too long (254 bytes, the limit is 253)'],
  ]
  for (const [name, problem] of bad) {
    it(`${JSON.stringify(name.slice(0, 20))} is refused: ${problem}`, () => {
      assert.equal(resourceNameProblem(name), problem)
      assert.equal(reasonFor({name}), `metadata.name: ${problem}`)
    })
  }

  const good = ['a', 'payments-processor', 'x'.repeat(MAX_NAME_BYTES), '...', '.hidden', 'a..b', 'with space',
    'ünïcødé', '😀', 'UPPER_case.1:2@3', '0f3a1b2c3d4e5f60718293a4b5c6d7e8']
  for (const name of good) {
    it(`${JSON.stringify(name.slice(0, 20))} is accepted`, () => {
      assert.equal(resourceNameProblem(name), undefined)
      assert.equal(parseResourceValue(role({name}), LOC).metadata.name, name)
    })
  }

  it('a name that is not a string is refused', () => {
    assert.equal(reasonFor({name: 12}), 'metadata.name: must be a string, got a number')
    assert.equal(reasonFor({name: ['a']}), 'metadata.name: must be a string, got a list')
  })

  it('names with / and .. are refused in a YAML file, naming file and document', () => {
    const text = 'kind: bot\nversion: v1\nmetadata: {name: ok}\nspec: {}\n---\nkind: bot\nversion: v1\nmetadata:\n  name: ../../etc\nspec: {}\n'
    assert.throws(() => parseResources(text, 'bots.yaml'), {
      name: 'InputError', message: 'bots.yaml: document 2: metadata.name: must not contain "/"',
    })
    assert.throws(() => parseResources('kind: role\nversion: v6\nmetadata: {name: ".."}\n', 'r.yaml'), {
      message: 'r.yaml: document 1: metadata.name: must not be ".."',
    })
  })
})

describe('metadata: other fields', () => {
  it('is required and must be a mapping', () => {
    assert.equal(reasonFor(undefined), 'metadata: is required')
    assert.equal(reasonFor('name'), 'metadata: must be a mapping, got a string')
  })

  it('labels are string to string; YAML numbers and booleans become their text', () => {
    const [parsed] = parseResources(
      'kind: role\nversion: v6\nmetadata:\n  name: r\n  labels:\n    port: 443\n    on: true\n    s: x\n    f: 1.5\n', 'r.yaml')
    assert.deepEqual(parsed!.metadata.labels, {port: '443', on: 'true', s: 'x', f: '1.5'})
  })

  it('labels refuse lists, mappings, null values and bad keys, naming the label', () => {
    assert.equal(reasonFor({name: 'r', labels: {env: ['a']}}), 'metadata.labels.env: must be a string, got a list')
    assert.equal(reasonFor({name: 'r', labels: {'teleport.dev/origin': {}}}),
      'metadata.labels["teleport.dev/origin"]: must be a string, got a mapping')
    assert.equal(reasonFor({name: 'r', labels: {env: null}}), 'metadata.labels.env: must be a string, got null')
    assert.equal(reasonFor({name: 'r', labels: {'a b': 'c'}}), 'metadata.labels: invalid label key "a b"')
    assert.equal(reasonFor({name: 'r', labels: {'': 'c'}}), 'metadata.labels: invalid label key ""')
    assert.equal(reasonFor({name: 'r', labels: ['a']}), 'metadata.labels: must be a mapping, got a list')
  })

  it('a __proto__ label is an ordinary key and pollutes nothing', () => {
    const [parsed] = parseResources('kind: role\nversion: v6\nmetadata:\n  name: r\n  labels:\n    __proto__: x\n', 'r.yaml')
    const labels = parsed!.metadata.labels!
    assert.equal(Object.getPrototypeOf(labels), Object.prototype)
    assert.deepEqual(Object.keys(labels), ['__proto__'])
    assert.equal(JSON.stringify(labels), '{"__proto__":"x"}')
    assert.equal(({} as Record<string, unknown>)['x'], undefined)
  })

  it('description must be a string; empty ones are dropped', () => {
    assert.equal(reasonFor({name: 'r', description: 5}), 'metadata.description: must be a string, got a number')
    assert.deepEqual(parseResourceValue(role({name: 'r', description: ''}), LOC).metadata, {name: 'r'})
  })

  it('revision in input is dropped; other fields are unknown', () => {
    assert.deepEqual(parseResourceValue(role({name: 'r', revision: 'abc'}), LOC).metadata, {name: 'r'})
    assert.equal(reasonFor({name: 'r', namespace: 'default'}), 'metadata: unknown field "namespace"')
  })

  it('keys come out in canonical order with no undefined values', () => {
    const metadata = parseResourceValue(role({expires: '2030-01-01T00:00:00Z', labels: {a: 'b'}, description: 'd', name: 'r'}), LOC).metadata
    assert.deepEqual(Object.keys(metadata), ['name', 'description', 'labels', 'expires'])
  })

  it('expires must be RFC 3339', () => {
    assert.equal(reasonFor({name: 'r', expires: '2030-01-01'}),
      'metadata.expires: must be an RFC 3339 time such as "2030-01-01T00:00:00Z", got "2030-01-01"')
    assert.equal(reasonFor({name: 'r', expires: 1893456000}), 'metadata.expires: must be a string, got a number')
  })
})

describe('parseRfc3339', () => {
  const good: Array<[string, string]> = [
    ['2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z'],
    ['2030-01-01t00:00:00z', '2030-01-01T00:00:00Z'],
    ['2030-01-01T10:00:00+02:00', '2030-01-01T08:00:00Z'],
    ['2029-12-31T23:30:00-01:00', '2030-01-01T00:30:00Z'],
    ['2030-01-01T00:00:00.500Z', '2030-01-01T00:00:00.5Z'],
    ['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00Z'],
    ['2030-01-01T00:00:00.123456789Z', '2030-01-01T00:00:00.123456789Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
  ]
  for (const [text, canonical] of good) {
    it(`${text} → ${canonical}`, () => assert.equal(parseRfc3339(text), canonical))
  }
  const bad = ['2030-01-01', '2030-01-01 00:00:00Z', '2030-13-01T00:00:00Z', '2030-02-29T00:00:00Z',
    '2030-01-01T24:00:00Z', '2030-01-01T00:60:00Z', '2030-01-01T00:00:60Z', '2030-01-01T00:00:00',
    '2030-01-01T00:00:00+2:00', '2030-01-01T00:00:00.Z', '2030-01-01T00:00:00.1234567891Z', 'tomorrow', '']
  for (const text of bad) {
    it(`${JSON.stringify(text)} is not RFC 3339`, () => assert.equal(parseRfc3339(text), null))
  }
})
