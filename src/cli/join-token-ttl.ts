/**
 * `--ttl` of `tctl tokens add` and `tctl bots add`: a Go duration, positive and within the cap on a
 * join token's life (lib/resources/token.ts). Anything else is a usage error (exit 2), caught before
 * the cluster is reached; the backends check the same rule for callers of the API.
 */
import {parseDuration} from '../lib/duration.js'
import {isSvidkitError} from '../lib/errors.js'
import {joinTokenTtlProblem} from '../lib/resources/token.js'
import {UsageError} from './report-error.js'

/** Milliseconds, or undefined when the flag is absent (the command's default applies). */
export function joinTokenTtlMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  let ttlMs: number
  try {
    ttlMs = parseDuration(text)
  } catch (err) {
    if (isSvidkitError(err)) throw new UsageError(`--ttl: ${err.message}`)
    throw err
  }
  const problem = joinTokenTtlProblem(ttlMs)
  if (problem !== undefined) throw new UsageError(`--ttl: ${problem}`)
  return ttlMs
}
