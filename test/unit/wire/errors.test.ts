import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {CorruptStateError, errorFromCode, NotFoundError, SpiffeIdError, SvidkitError} from '../../../src/lib/errors.js'
import {errorResponse, readWireError} from '../../../src/lib/wire/errors.js'

describe('errors on the wire', () => {
  it('keeps a typed error code, status and message, and rebuilds the same class', () => {
    const res = errorResponse(new NotFoundError('bot "b1" not found'))
    assert.deepEqual(res, {status: 404, body: {error: {code: 'NOT_FOUND', message: 'bot "b1" not found'}}})
    const wire = readWireError(JSON.parse(JSON.stringify(res.body)))
    assert.ok(wire)
    const back = errorFromCode(wire.code, wire.message)
    assert.ok(back instanceof NotFoundError)
    assert.equal(back.message, 'bot "b1" not found')
  })

  it('round-trips SPIFFE ID codes', () => {
    const res = errorResponse(new SpiffeIdError('SPIFFEID_EMPTY', 'cannot be empty'))
    assert.equal(res.status, 400)
    const back = errorFromCode(res.body.error.code, res.body.error.message)
    assert.ok(back instanceof SpiffeIdError)
    assert.equal(back.code, 'SPIFFEID_EMPTY')
  })

  it('hides everything about unexpected errors', () => {
    for (const err of [new Error('ENOENT /etc/secret'), 'a string', new SvidkitError('INTERNAL', 'db password wrong')]) {
      assert.deepEqual(errorResponse(err), {status: 500, body: {error: {code: 'INTERNAL', message: 'internal server error'}}})
    }
  })

  it('keeps a corrupt-state error as such (a 500 the operator must see)', () => {
    assert.deepEqual(errorResponse(new CorruptStateError('bots/b1.json: not JSON')),
      {status: 500, body: {error: {code: 'CORRUPT_STATE', message: 'bots/b1.json: not JSON'}}})
  })

  it('reads only the exact shape', () => {
    assert.deepEqual(readWireError({error: {code: 'X', message: 'm', extra: 1}}), {code: 'X', message: 'm'})
    for (const body of [undefined, null, 'x', [], {error: 'x'}, {error: {message: 'm'}}, {error: {code: 1, message: 'm'}}]) {
      assert.equal(readWireError(body), undefined)
    }
  })
})
