import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {parseResourceValue} from '../../../src/lib/resources/parse.js'
import {parseBot} from '../../../src/lib/resources/bot.js'
import type {Bot} from '../../../src/lib/resources/types.js'

const LOC = {file: 'bot.yaml', document: 1}
const bot = (spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({kind: 'bot', version: 'v1', metadata: {name: 'ci'}, spec, ...extra})
const parse = (value: unknown): Bot => parseResourceValue(value, LOC) as Bot

function messageFor(value: unknown): string {
  try {
    parse(value)
  } catch (err) {
    assert.ok(err instanceof InputError)
    return err.message
  }
  return assert.fail('expected an InputError')
}

describe('bot: invalid documents', () => {
  const cases: Array<[string, unknown, string]> = [
    ['version v2', bot({}, {version: 'v2'}), 'version: only "v1" is supported'],
    ['metadata.name missing', bot({}, {metadata: {}}), 'metadata.name: is required'],
    ['spec missing', bot(undefined), 'spec: is required'],
    ['roles a string', bot({roles: 'access'}), 'spec.roles: must be a list, got a string'],
    ['roles holding a number', bot({roles: ['a', 1]}), 'spec.roles[1]: must be a string, got a number'],
    ['roles holding an empty string', bot({roles: ['a', '']}), 'spec.roles: must not contain empty strings'],
    ['trait without name', bot({traits: [{values: ['root']}]}), 'spec.traits[0].name: is required'],
    ['trait values a string', bot({traits: [{name: 'logins', values: 'root'}]}),
      'spec.traits[0].values: must be a list, got a string'],
    ['trait unknown field', bot({traits: [{name: 'logins', value: 'root'}]}), 'spec.traits[0]: unknown field "value"'],
    ['max_session_ttl over 168h', bot({max_session_ttl: '169h'}), 'spec.max_session_ttl: must be less than 168h0m0s'],
    ['max_session_ttl zero', bot({max_session_ttl: '0s'}), 'spec.max_session_ttl: must be greater than 0s'],
    ['max_session_ttl garbage', bot({max_session_ttl: 'forever'}), 'spec.max_session_ttl: invalid duration "forever"'],
    ['unknown spec field', bot({roles: [], logins: ['root']}), 'spec: unknown field "logins"'],
    ['unknown status field', bot({}, {status: {user_name: 'bot-ci', extra: 1}}), 'status: unknown field "extra"'],
    ['unknown top-level field', bot({}, {scope: '/a'}), 'unknown field "scope"'],
  ]
  for (const [name, value, expected] of cases) {
    it(name, () => assert.equal(messageFor(value), `bot.yaml: document 1: ${expected}`))
  }

  it('calling the kind parser with another kind is refused', () => {
    assert.throws(() => parseBot(bot({}, {kind: 'role'}), LOC), {message: 'bot.yaml: document 1: kind: must be "bot"'})
  })
})

describe('bot: valid documents', () => {
  it('an empty spec gets no roles and the 12h default session TTL', () => {
    assert.deepEqual(parse(bot({})), {kind: 'bot', version: 'v1', metadata: {name: 'ci'}, spec: {roles: [], max_session_ttl: '43200s'}})
  })

  it('a missing version is v1, as Teleport fills it in', () => {
    assert.equal(parse(bot({}, {version: undefined})).version, 'v1')
  })

  it('keeps roles, traits and a TTL up to 168h, in canonical key order', () => {
    const parsed = parse(bot({max_session_ttl: '168h', traits: [{values: ['root', 'ubuntu'], name: 'logins'}, {name: 'empty'}], roles: ['a', 'b']}))
    assert.deepEqual(parsed.spec, {
      roles: ['a', 'b'],
      traits: [{name: 'logins', values: ['root', 'ubuntu']}, {name: 'empty', values: []}],
      max_session_ttl: '604800s',
    })
    assert.deepEqual(Object.keys(parsed.spec), ['roles', 'traits', 'max_session_ttl'])
  })

  it('keeps a status (as `tctl get` prints it) so output parses back', () => {
    const parsed = parse(bot({}, {status: {role_name: 'bot-ci', user_name: 'bot-ci'}}))
    assert.deepEqual(parsed.status, {user_name: 'bot-ci', role_name: 'bot-ci'})
    assert.deepEqual(Object.keys(parsed), ['kind', 'version', 'metadata', 'spec', 'status'])
  })
})
