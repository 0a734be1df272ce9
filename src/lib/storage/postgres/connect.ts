/**
 * Connections to PostgreSQL: a pg Pool per connection string, errors turned into one clear line,
 * and the retry rule every store shares. The pool reconnects by itself (each checkout opens a new
 * connection when the old ones died), so a PostgreSQL restart costs the requests in flight a retry
 * with backoff, never the process (an idle client's error is caught below, not thrown).
 */
import pg from 'pg'
import {ConnectionProblemError, SvidkitError} from '../../errors.js'

export interface PgTarget {
  readonly host: string
  readonly port: string
  readonly database: string
  readonly user: string
}

/** What a connection string names, for messages (never its password). */
export function describeTarget(connString: string): PgTarget {
  let url: URL
  try {
    url = new URL(connString)
  } catch {
    return {host: '?', port: '5432', database: '?', user: '?'}
  }
  const host = url.searchParams.get('host') ?? (decodeURIComponent(url.hostname) || 'localhost')
  return {
    host, port: url.port || url.searchParams.get('port') || '5432',
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || '?',
    user: decodeURIComponent(url.username) || url.searchParams.get('user') || '?',
  }
}

/** allowExitOnIdle: a one-shot tctl ends when its work is done, without closing the pool by hand. */
export function openPool(connString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({connectionString: connString, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, allowExitOnIdle: true})
  // An idle client whose server went away emits 'error' on the pool; unhandled it would end the process.
  pool.on('error', () => undefined)
  return pool
}

/** SQLSTATEs that mean "try the whole transaction again" (PostgreSQL docs, Appendix A; chapter 13.4). */
const RETRY_STATES = new Set(['40001', '40P01'])
/** The server is going away or not yet accepting connections: 57P01 admin_shutdown, 57P03 cannot_connect_now, 08xxx. */
const CONNECTION_STATES = /^(08|57P0[123])/
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

export function sqlState(err: unknown): string | undefined {
  const code = (err as {code?: unknown} | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

export function isSerializationFailure(err: unknown): boolean {
  return RETRY_STATES.has(sqlState(err) ?? '')
}

export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof SvidkitError) return false // already decided (e.g. a commit whose outcome is unknown)
  const code = sqlState(err) ?? ''
  if (CONNECTION_STATES.test(code) || CONNECTION_CODES.has(code)) return true
  const message = err instanceof Error ? err.message : ''
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(message)
}

/**
 * One line for a failure to reach the database, naming where and why: an unreachable host, a
 * refused password, a missing database (SQLSTATE 28P01/28000, 3D000). Teleport's pgbk wraps pgx's
 * text the same way: the target, then the cause (lib/backend/pgbk/pgbk.go).
 */
export function connectionError(connString: string, err: unknown, what = 'PostgreSQL'): SvidkitError {
  if (err instanceof SvidkitError) return err
  const t = describeTarget(connString)
  const at = `${what} at ${t.host}:${t.port}`
  const state = sqlState(err)
  const reason = err instanceof Error ? err.message : String(err)
  if (state === '28P01' || state === '28000') return new ConnectionProblemError(`${at} refused user "${t.user}": ${reason}`, {cause: err})
  if (state === '3D000') return new ConnectionProblemError(`${at}: database "${t.database}" does not exist`, {cause: err})
  if (isConnectionFailure(err)) return new ConnectionProblemError(`cannot reach ${at}: ${reason}`, {cause: err})
  return new ConnectionProblemError(`${at}: ${reason}`, {cause: err})
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface RetryOptions {
  /** How long connection failures are retried before the error is returned (a restart takes seconds). */
  readonly connectionDeadlineMs?: number
  readonly maxSerializationRetries?: number
}

/**
 * Runs `attempt` again after a serialization failure (another replica won the race: SERIALIZABLE's
 * promise is that the retry sees its outcome) and after a connection failure, with jittered
 * exponential backoff. A connection that broke while COMMIT was in flight leaves the outcome
 * unknown: `attempt` reports that as a SvidkitError, which is never retried.
 */
export async function withRetry<T>(attempt: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (o.connectionDeadlineMs ?? 20_000)
  const maxSerial = o.maxSerializationRetries ?? 50
  let delay = 5
  for (let serial = 0; ; ) {
    try {
      return await attempt()
    } catch (err) {
      const serialization = isSerializationFailure(err)
      if (serialization) serial++
      const again = (serialization && serial <= maxSerial) || (!serialization && isConnectionFailure(err) && Date.now() < deadline)
      if (!again) throw err
      await sleep(delay / 2 + Math.random() * delay)
      delay = Math.min(delay * 2, serialization ? 200 : 1_000)
    }
  }
}
