import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {MAX_ALIAS_COUNT, MAX_DOCUMENT_BYTES, MAX_YAML_NESTING, decodeDocument, decodeDocuments} from '../../../src/lib/document/decode.js'

function decodeError(text: string, file = 'in.yaml', decode: (text: string, file: string) => unknown = decodeDocuments): InputError {
  try {
    decode(text, file)
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`)
    return err
  }
  return assert.fail('expected an InputError')
}

describe('decode: streams', () => {
  it('numbers non-empty YAML documents from 1, skipping empty ones', () => {
    const text = '---\na: 1\n---\n# only a comment\n---\n---\nb: 2\n...\n---\nnull\n---\n- c\n'
    assert.deepEqual(decodeDocuments(text, 'x.yaml'), [
      {index: 1, value: {a: 1}}, {index: 2, value: {b: 2}}, {index: 3, value: ['c']},
    ])
  })

  for (const text of ['', '   \n\n', '# nothing here\n', '---\n---\n', '---\n...\n', '\uFEFF', 'null\n---\n~\n']) {
    it(`no documents in ${JSON.stringify(text)}`, () => {
      assert.deepEqual(decodeDocuments(text, 'empty.yaml'), [])
      assert.equal(decodeDocument(text, 'empty.yaml'), undefined)
    })
  }

  it('reads a single JSON object', () => {
    assert.deepEqual(decodeDocuments('{"kind": "role", "n": [1, 2.5, true, null, "x"]}', 'x.json'),
      [{index: 1, value: {kind: 'role', n: [1, 2.5, true, null, 'x']}}])
  })

  it('reads concatenated JSON objects, on one line or several, with braces inside strings', () => {
    const text = '{"a": "}{"}{"b": {"c": [1, {"d": "\\"}"}]}}\n\n  {"e": 3}\n'
    assert.deepEqual(decodeDocuments(text, 'x.json'), [
      {index: 1, value: {a: '}{'}}, {index: 2, value: {b: {c: [1, {d: '"}'}]}}}, {index: 3, value: {e: 3}},
    ])
  })

  it('reads JSON objects separated by ---, and YAML flow mappings', () => {
    assert.deepEqual(decodeDocuments('{"a": 1}\n---\n{b: 2}\n', 'x'), [{index: 1, value: {a: 1}}, {index: 2, value: {b: 2}}])
  })

  it('an error in a later concatenated JSON object names that document and its line', () => {
    const err = decodeError('{"a": 1}\n{"b": 2}\n{"c": 3, "c": 4}\n', 'x.json')
    assert.equal(err.message, 'x.json: document 3: line 3, column 10: duplicate key "c"')
    assert.deepEqual(err.location, {file: 'x.json', document: 3})
  })

  it('strips a byte order mark', () => {
    assert.deepEqual(decodeDocuments('\uFEFFa: 1\n', 'x'), [{index: 1, value: {a: 1}}])
  })

  it('uses the YAML 1.2 core schema: yes/on and timestamps stay strings, !!binary is not decoded', () => {
    const [doc] = decodeDocuments('a: yes\nb: on\nc: 2030-01-01T00:00:00Z\nd: !!binary aGVsbG8=\ne: 0x1F\nf: !custom x\n', 'x')
    assert.deepEqual(doc!.value, {a: 'yes', b: 'on', c: '2030-01-01T00:00:00Z', d: 'aGVsbG8=', e: 31, f: 'x'})
  })

  it('expands a few ordinary aliases', () => {
    const [doc] = decodeDocuments('base: &b {team: payments}\nx: *b\ny: *b\n', 'x')
    assert.deepEqual(doc!.value, {base: {team: 'payments'}, x: {team: 'payments'}, y: {team: 'payments'}})
  })
})

describe('decode: syntax errors name the file, the document and the line', () => {
  const cases: Array<[string, string, string]> = [
    ['a: b: c\n', 'document 1: line 1, column 4: ', 'Nested mappings are not allowed in compact mappings'],
    ['kind: role\n---\nkind: bot\n  bad: indent\n', 'document 2: line 3, column 7: ', 'Nested mappings are not allowed in compact mappings'],
    ['a: 1\n---\n---\nb: [1, 2\n', 'document 2: line 5, column 1: ', 'Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a: *missing\n', 'document 1: line 1, column 1: ', 'Unresolved alias (the anchor must be set before the alias): missing'],
  ]
  for (const [text, where, what] of cases) {
    it(JSON.stringify(text), () => {
      const err = decodeError(text, 'f.yaml')
      assert.ok(err.message.startsWith(`f.yaml: ${where}${what}`), err.message)
      assert.equal(err.message.includes('\n'), false)
      assert.equal(err.code, 'BAD_PARAMETER')
    })
  }

  it('the one-line rendering of the AWS guide seed is refused at line 1', () => {
    const flattened = 'kind: workload_identity version: v1 metadata: name: example-workload-identity labels: example: getting-started spec: spiffe: id: /svc/example-service'
    assert.equal(decodeError(flattened, 'workload-identity.yaml').message,
      'workload-identity.yaml: document 1: line 1, column 7: Nested mappings are not allowed in compact mappings')
  })
})

describe('decode: duplicate and odd keys', () => {
  it('a duplicate key is refused at the second occurrence', () => {
    assert.equal(decodeError('kind: role\nmetadata:\n  name: a\n  name: b\n').message,
      'in.yaml: document 1: line 4, column 3: duplicate key "name"')
  })

  it('keys that collide once stringified are duplicates', () => {
    assert.equal(decodeError('labels: {1: a, "1": b}\n').message, 'in.yaml: document 1: line 1, column 16: duplicate key "1"')
  })

  it('duplicates are found inside lists and single-pair flow mappings too', () => {
    assert.match(decodeError('a:\n  - {x: 1, x: 2}\n').message, /line 2, column 12: duplicate key "x"$/)
    assert.match(decodeError('a: [k: {x: 1, x: 2}]\n').message, /line 1, column 15: duplicate key "x"$/)
  })

  it('a list or mapping as a key is refused', () => {
    assert.equal(decodeError('? [a, b]\n: c\n').message,
      'in.yaml: document 1: line 1, column 3: mapping keys must be strings, not lists, mappings or aliases')
  })

  it('many distinct keys are accepted', () => {
    const text = Array.from({length: 5_000}, (_, i) => `k${i}: v`).join('\n')
    const [doc] = decodeDocuments(text, 'x')
    assert.equal(Object.keys(doc!.value as object).length, 5_000)
  })
})

describe('decode: hostile input is refused', () => {
  it('an alias bomb ("billion laughs") is refused', () => {
    const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`)
    const err = decodeError(lines.join('\n'))
    assert.equal(err.message,
      `in.yaml: document 1: line 1, column 1: too many alias expansions (the limit is ${MAX_ALIAS_COUNT}), refusing a possible "billion laughs" document`)
  })

  it(`flow collections nested deeper than ${MAX_YAML_NESTING} levels are refused before parsing`, () => {
    const deep = (n: number): string => 'a: ' + '['.repeat(n) + ']'.repeat(n)
    assert.doesNotThrow(() => decodeDocuments(deep(MAX_YAML_NESTING - 1), 'x'))
    assert.equal(decodeError(deep(MAX_YAML_NESTING + 1)).message,
      `in.yaml: line 1, column ${4 + MAX_YAML_NESTING}: nesting is too deep (the limit is ${MAX_YAML_NESTING} levels)`)
  })

  it('block mappings nested by indentation deeper than the limit are refused', () => {
    const nested = (n: number): string => Array.from({length: n}, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' v\n'
    assert.doesNotThrow(() => decodeDocuments(nested(MAX_YAML_NESTING), 'x'))
    assert.equal(decodeError(nested(MAX_YAML_NESTING + 1)).message,
      `in.yaml: line ${MAX_YAML_NESTING + 1}, column ${MAX_YAML_NESTING + 1}: nesting is too deep (the limit is ${MAX_YAML_NESTING} levels)`)
  })

  it('compact nested lists deeper than the limit are refused', () => {
    assert.match(decodeError('a:\n' + '- '.repeat(MAX_YAML_NESTING + 1) + 'x\n').message, /nesting is too deep/)
  })

  it('very deep input leaves the process able to parse again', () => {
    // In yaml 2.9 a stack overflow while composing (~1000 levels) made the *next* parse abort the
    // whole process with a fatal V8 out-of-memory error; the depth limits keep it from happening.
    const block = Array.from({length: 2500}, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' v\n'
    for (const text of ['['.repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(3000) + '1' + '}'.repeat(3000), block]) {
      assert.match(decodeError(text).message, /nesting is too deep/)
      assert.deepEqual(decodeDocuments('a: [[1]]\n', 'x'), [{index: 1, value: {a: [[1]]}}])
    }
  })
})

describe('decodeDocument: one config file', () => {
  it('is the one document, with syntax errors located by line and no document number', () => {
    assert.deepEqual(decodeDocument('---\nversion: v3\n...\n', 'teleport.yaml'), {version: 'v3'})
    const err = decodeError('version: v3\nversion: v3\n', 'teleport.yaml', decodeDocument)
    assert.equal(err.message, 'teleport.yaml: line 2, column 1: duplicate key "version"')
    assert.deepEqual(err.location, {file: 'teleport.yaml'})
  })

  it('refuses a second document', () => {
    assert.equal(decodeError('a: 1\n---\nb: 2\n', 'c.yaml', decodeDocument).message, 'c.yaml: holds 2 YAML documents; a config file holds one')
  })
})

describe('decode: what is not YAML text is refused before parsing', () => {
  for (const decode of [decodeDocuments, decodeDocument]) {
    it(`${decode.name}: a file over ${MAX_DOCUMENT_BYTES} bytes`, () => {
      const text = 'a: ' + 'x'.repeat(MAX_DOCUMENT_BYTES)
      assert.equal(decodeError(text, 'big.yaml', decode).message,
        `big.yaml: file is too large (${MAX_DOCUMENT_BYTES + 3} bytes, the limit is ${MAX_DOCUMENT_BYTES} bytes)`)
      assert.doesNotThrow(() => decode('a: ' + 'é'.repeat(MAX_DOCUMENT_BYTES / 2 - 2), 'x'))
      assert.match(decodeError('a: ' + 'é'.repeat(MAX_DOCUMENT_BYTES / 2), 'x', decode).message, /file is too large/)
    })

    it(`${decode.name}: binary data (a NUL byte)`, () => {
      assert.equal(decodeError('a: 1\nb: \u0000\u0001\u00ff', 'bin', decode).message, 'bin: not a text file (it contains a NUL byte at line 2, column 4)')
    })
  }

  it('a merge key is an ordinary key (YAML 1.2), so it is never merged', () => {
    assert.deepEqual(decodeDocument('base: &b {a: 1}\nx:\n  <<: *b\n', 'x'), {base: {a: 1}, x: {'<<': {a: 1}}})
  })
})
