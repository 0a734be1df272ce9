import {Errors} from '@oclif/core'
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {EXIT_ERROR, EXIT_USAGE, reportError, UsageError} from '../../src/cli/report-error.js'
import {BadParameterError, NotFoundError} from '../../src/lib/errors.js'

/** reportError writes synchronously, so stderr is captured for exactly its call. */
function reported(err: unknown, debug = false): {code: number; stderr: string} {
  const write = process.stderr.write
  let stderr = ''
  process.stderr.write = ((chunk: string) => {
    stderr += chunk
    return true
  }) as typeof process.stderr.write
  try {
    return {code: reportError(err, {debug, usageOf: 'tctl get'}), stderr}
  } finally {
    process.stderr.write = write
  }
}

describe('reportError', () => {
  it('our errors: one ERROR: line, exit 1', () => {
    assert.deepEqual(reported(new NotFoundError('role ghost is not found')), {code: EXIT_ERROR, stderr: 'ERROR: role ghost is not found\n'})
    assert.deepEqual(reported(new BadParameterError('bad')), {code: EXIT_ERROR, stderr: 'ERROR: bad\n'})
    assert.deepEqual(reported('a thrown string'), {code: EXIT_ERROR, stderr: 'ERROR: a thrown string\n'})
  })

  it('usage errors, ours and oclif\'s: exit 2 and a pointer to the command\'s help, without oclif\'s own hint', () => {
    const hint = "See 'tctl get --help'.\n"
    assert.deepEqual(reported(new UsageError('no server here')), {code: EXIT_USAGE, stderr: `ERROR: no server here\n${hint}`})
    assert.deepEqual(reported(new Errors.CLIError('Missing 1 required arg:\nref\nSee more help with --help')), {
      code: EXIT_USAGE, stderr: `ERROR: Missing 1 required arg:\nref\n${hint}`,
    })
    assert.equal(reported(new Errors.CLIError('not usage', {exit: 1})).code, EXIT_ERROR)
  })

  it('a stack trace only with --debug', () => {
    assert.doesNotMatch(reported(new Error('boom')).stderr, /\n\s+at /)
    assert.match(reported(new Error('boom'), true).stderr, /^ERROR: boom\nError: boom\n\s+at /)
  })
})
