import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ERROR_STATUS, errorFromCode, NotImplementedError, SvidkitError} from '../../src/lib/errors.js'

describe('errorFromCode', () => {
  it('rebuilds every code of the family with its own code and status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      const err = errorFromCode(code, 'm')
      assert.ok(err instanceof SvidkitError)
      assert.equal(err.code, code)
      assert.equal(err.status, status)
      assert.equal(err.message, 'm')
    }
  })

  it('maps NOT_IMPLEMENTED to NotImplementedError (501), and an unknown code to INTERNAL', () => {
    const err = errorFromCode('NOT_IMPLEMENTED', 'fetching WIT-SVIDs is not implemented')
    assert.ok(err instanceof NotImplementedError)
    assert.equal(err.status, 501)
    assert.equal(errorFromCode('SOMETHING_NEW', 'x').code, 'INTERNAL')
  })
})
