/**
 * The audit log in PostgreSQL (`audit_events_uri: postgresql://…`): the same records as the file
 * log (authority/audit-line.ts), one row each, in group commits: records queue while the previous
 * INSERT is in flight and go in one multi-row INSERT. The INSERT commits with synchronous_commit
 * (PostgreSQL's default), so a record is on the database's disk before its issuance returns,
 * as FileAuditLog's fdatasync guarantees (authority/audit.ts).
 */
import type pg from 'pg'
import {auditLine} from '../../authority/audit-line.js'
import type {AuditSink, SvidIssuedEvent} from '../../authority/audit.js'
import {SvidkitError} from '../../errors.js'
import {describeTarget, withRetry} from './connect.js'

/** Teleport's event name for an issued SVID (lib/events/api.go SPIFFESVIDIssuedEvent). */
const EVENT = 'spiffe.svid.issued'
const MAX_BATCH = 500

interface Waiter {
  readonly line: string
  resolve(): void
  reject(err: Error): void
}

export class PostgresAuditLog implements AuditSink {
  private queue: Waiter[] = []
  private writing: Promise<void> = Promise.resolve()
  private scheduled = false
  private failure?: Error

  constructor(private readonly pool: pg.Pool, private readonly connString: string, private readonly now: () => Date = () => new Date()) {}

  svidIssued(event: SvidIssuedEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({line: auditLine(event, this.now()), resolve, reject})
      if (!this.scheduled) {
        this.scheduled = true
        this.writing = this.writing.then(() => this.commit())
      }
    })
  }

  private async commit(): Promise<void> {
    this.scheduled = false
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH)
      try {
        // Retried while PostgreSQL is unreachable (a restart); a retried INSERT may leave a duplicate row, never a lost one.
        await withRetry(() => this.pool.query('INSERT INTO svidkit_audit_events (event, body) SELECT $1, b::jsonb FROM unnest($2::text[]) AS b',
          [EVENT, batch.map((w) => w.line)]), {connectionDeadlineMs: 5_000})
        for (const w of batch) w.resolve()
      } catch (err) {
        const t = describeTarget(this.connString)
        const failure = new SvidkitError('INTERNAL', `audit log in PostgreSQL at ${t.host}:${t.port}: ${(err as Error).message}; nothing was issued`, {cause: err})
        this.failure ??= failure
        for (const w of batch) w.reject(failure)
      }
    }
  }

  async flush(): Promise<void> {
    await this.writing
    const failure = this.failure
    this.failure = undefined
    if (failure) throw failure
  }
}
