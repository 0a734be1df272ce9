/**
 * The rules for resources being created (`tctl create` parses with `creating`): names in a
 * conservative ASCII alphabet, and a literal spec.spiffe.id short enough to fit in a SPIFFE ID.
 * Stored resources are read with the older, safety-only name rule.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {REPO} from '../../helpers/cli.js'
import {InputError} from '../../../src/lib/errors.js'
import {newNameProblem, resourceNameProblem} from '../../../src/lib/resources/metadata.js'
import {newResourceProblem, parseResourceValue, parseResources} from '../../../src/lib/resources/parse.js'
import {MAX_SPIFFE_ID_BYTES, literalSpiffeIdProblem} from '../../../src/lib/resources/workload-identity.js'

const ALPHABET = 'must contain only ASCII letters, digits and "-_.@:", found'

describe('names of new resources: ASCII letters, digits and -_.@:, not starting with - or .', () => {
  const refused: Array<[string, string]> = [
    ['-rf', 'must start with an ASCII letter, a digit, "_" or "@", not "-"'],
    ['--force', 'must start with an ASCII letter, a digit, "_" or "@", not "-"'],
    ['.hidden', 'must start with an ASCII letter, a digit, "_" or "@", not "."'],
    [':x', 'must start with an ASCII letter, a digit, "_" or "@", not ":"'],
    ['*', `${ALPHABET} "*" (U+002A)`],
    ['a*', `${ALPHABET} "*" (U+002A)`],
    ['ｒｏｏｔ', `${ALPHABET} "ｒ" (U+FF52)`], // fullwidth
    ['r\u043eot', `${ALPHABET} "о" (U+043E)`], // Cyrillic o
    ['\u0430dmin', `${ALPHABET} "а" (U+0430)`], // Cyrillic a
    ['with space', `${ALPHABET} " " (U+0020)`],
    ['ünïcødé', `${ALPHABET} "ü" (U+00FC)`],
    ['😀', `${ALPHABET} "😀" (U+1F600)`],
    ['a\u200bb', `${ALPHABET} "\u200b" (U+200B)`], // zero-width space
    ['a$(id)', `${ALPHABET} "$" (U+0024)`],
    // The safety rule still comes first, with its own words.
    ['', 'is required'],
    ['..', 'must not be ".."'],
    ['a/b', 'must not contain "/"'],
    ['tab\t', 'must not contain control characters'],
    ['x'.repeat(254), 'is too long (254 bytes, the limit is 253)'],
  ]
  for (const [name, problem] of refused) {
    it(`${JSON.stringify(name.slice(0, 20))} is refused: ${problem.slice(0, 60)}`, () => {
      assert.equal(newNameProblem(name), problem)
    })
  }

  const accepted = ['a', 'payments-processor', 'UPPER_case.1:2@3', '@teleport-access-approver', '_internal', '0f3a1b2c3d4e5f60718293a4b5c6d7e8',
    'x'.repeat(253), 'bot-my-bot', 'ci', 'a..b', 'user@example.com', 'a-']
  for (const name of accepted) {
    it(`${JSON.stringify(name.slice(0, 20))} is accepted`, () => assert.equal(newNameProblem(name), undefined))
  }

  it('a stored resource with an older, merely safe name still reads back', () => {
    for (const name of ['with space', 'ünïcødé', '.hidden']) {
      assert.equal(resourceNameProblem(name), undefined)
      const role = parseResourceValue({kind: 'role', version: 'v6', metadata: {name}}, {file: 'stored.json'})
      assert.equal(role.metadata.name, name)
    }
  })

  it('tctl create names the file, the document and the field', () => {
    const text = 'kind: role\nversion: v6\nmetadata: {name: ok}\n---\nkind: bot\nversion: v1\nmetadata:\n  name: "-rf"\nspec: {}\n'
    assert.throws(() => parseResources(text, 'bots.yaml', {creating: true}), {
      name: 'InputError', message: 'bots.yaml: document 2: metadata.name: must start with an ASCII letter, a digit, "_" or "@", not "-"',
    })
    const token = 'kind: token\nversion: v2\nmetadata: {name: t0k3n}\nspec: {roles: [Bot], bot_name: "ｂｏｔ"}\n'
    assert.throws(() => parseResources(token, 't.yaml', {creating: true}), {
      message: `t.yaml: document 1: spec.bot_name: ${ALPHABET} "ｂ" (U+FF42)`,
    })
    assert.doesNotThrow(() => parseResources(text.replace('"-rf"', 'rf'), 'bots.yaml', {creating: true}))
  })

  it('every fixture and seed document is still a valid new resource', () => {
    for (const dir of ['test/fixtures/seeds', 'test/fixtures/resources']) {
      for (const file of readdirSync(join(REPO, dir))) {
        if (file.startsWith('multi-error')) continue
        const resources = parseResources(readFileSync(join(REPO, dir, file), 'utf8'), file, {creating: true})
        assert.ok(resources.length > 0, file)
        for (const r of resources) assert.equal(newResourceProblem(r), undefined, `${file}: ${r.metadata.name}`)
      }
    }
  })
})

describe('a literal spec.spiffe.id must fit in a SPIFFE ID (SPIFFE-ID.md §2.3)', () => {
  // "spiffe://" and a one-byte trust domain leave 2038 bytes for the path.
  const longest = '/' + 'a'.repeat(MAX_SPIFFE_ID_BYTES - 'spiffe://x'.length - 1)

  it('the longest path that can fit is accepted, one byte more is refused', () => {
    assert.equal(literalSpiffeIdProblem(longest), undefined)
    assert.equal(literalSpiffeIdProblem(longest + 'a'),
      'is 2039 bytes long, so its SPIFFE ID would be longer than 2048 bytes, the most the SPIFFE standard allows (SPIFFE-ID.md §2.3)')
  })

  it('a templated id is measured when it is rendered, not here', () => {
    assert.equal(literalSpiffeIdProblem(longest + 'a/{{user.name}}'), undefined)
  })

  it('tctl create refuses the 3,000-byte literal id, naming the field', () => {
    const doc = `kind: workload_identity\nversion: v1\nmetadata: {name: long}\nspec: {spiffe: {id: /${'a'.repeat(3000)}}}\n`
    try {
      parseResources(doc, 'wi.yaml', {creating: true})
      assert.fail('expected an InputError')
    } catch (err) {
      assert.ok(err instanceof InputError)
      assert.equal(err.location.field, 'spec.spiffe.id')
      assert.match(err.message, /^wi\.yaml: document 1: spec\.spiffe\.id: is 3001 bytes long, so its SPIFFE ID would be longer than 2048 bytes/)
    }
    // Read back from storage it still parses (it can never be issued: the authority measures it).
    assert.equal(parseResources(doc, 'stored.yaml').length, 1)
  })
})
