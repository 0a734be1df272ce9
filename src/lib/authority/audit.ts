/**
 * The audit log: one JSON line per issued SVID, with the fields of Teleport's `spiffe.svid.issued`
 * event (Teleport's api/types/events SPIFFESVIDIssued, code TSPIFFE000I in lib/events/codes.go). It
 * names what was issued and to whom; it never holds a private key, a JWT or a join token (only the
 * JWT's jti and the certificate's serial). Lines are bounded in size (audit-line.ts) and the file
 * is rotated by size (FileAuditLog below).
 */
import {randomUUID} from 'node:crypto'
import {constants as fsConstants, promises as fs} from 'node:fs'
import type {Attributes} from '../authz/attributes.js'
import {SvidkitError} from '../errors.js'
import {withLock} from '../storage/lock.js'
import {auditLine, auditRecordWithUid, botJoinLine, svidDeniedLine, type BotJoinEvent, type SvidDeniedEvent} from './audit-line.js'

export interface SvidIssuedEvent {
  readonly svidType: 'x509' | 'jwt'
  readonly user: string
  readonly spiffeId: string
  readonly serialNumber?: string
  readonly jti?: string
  readonly audiences?: readonly string[]
  readonly dnsSans?: readonly string[]
  readonly hint: string
  readonly workloadIdentity: string
  readonly workloadIdentityRevision: string
  readonly nameSelector?: string
  readonly labelSelectors?: Readonly<Record<string, readonly string[]>>
  readonly attributes: Attributes
}

export interface AuditSink {
  /**
   * Resolves once the record is durable (FileAuditLog: written and fdatasync'ed); rejects if it
   * could not be, and then the credential it describes must not be handed out (authority.ts).
   */
  svidIssued(event: SvidIssuedEvent): Promise<void>
  /** A `bot.join` attempt (audit-line.ts), durable like svidIssued. Optional: sinks without it record no joins. */
  botJoin?(event: BotJoinEvent): Promise<void>
  /** A refused issuance decision (audit-line.ts svidDeniedLine). Optional like botJoin. */
  svidDenied?(event: SvidDeniedEvent): Promise<void>
  /** Resolves when everything recorded so far is written. */
  flush(): Promise<void>
}

/** The error of an audit write that failed: the issuance it belonged to fails with it. */
export function auditWriteError(path: string, cause: unknown): SvidkitError {
  const code = (cause as NodeJS.ErrnoException).code
  const reason = code === 'ELOOP' || code === 'EMLINK'
    ? 'is a symbolic link; refusing to follow it'
    // Node's text is `EROFS: read-only file system, open '<path>'`: the path is already named.
    : (cause as Error).message.replace(/, \w+ '.*'$/s, '')
  return new SvidkitError('INTERNAL', `audit log ${path}: ${reason}; nothing was issued`, {cause})
}

/** The record `auditLine` serialises (bounded as audit-line.ts says), with a fresh uid. */
export function auditRecord(e: SvidIssuedEvent, time: Date): Record<string, unknown> {
  return auditRecordWithUid(e, time, randomUUID())
}

const ENCODE_EVERY = 64

/** audit.log reaching this size is rotated (a batch may take it a little past). */
export const DEFAULT_AUDIT_MAX_BYTES = 10 * 1024 * 1024
/** audit.log and audit.log.1 … audit.log.4: the oldest is dropped at the next rotation. */
export const DEFAULT_AUDIT_MAX_FILES = 5
/** A rotation waits this long at most for another process's; the next batch tries again. */
const ROTATION_LOCK_TIMEOUT_MS = 5_000

export interface FileAuditLogOptions {
  readonly now?: () => Date
  readonly maxBytes?: number
  /** Files kept, the live one included (at least 2). */
  readonly maxFiles?: number
}

/** One group commit: the records queued while the previous write was in flight, settled together. */
interface Batch {
  readonly durable: Promise<void>
  resolve(): void
  reject(err: Error): void
}

function newBatch(): Batch {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const durable = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // A caller that does not await (tests, fire-and-forget) must not crash the process: flush() reports it.
  durable.catch(() => undefined)
  return {durable, resolve, reject}
}

/**
 * Appends lines to a file (0600) in group commits: records queue in memory while the previous
 * batch is being written, 64 lines are encoded into one buffer, each buffer goes out in one
 * write(2) on an O_APPEND descriptor (lines from several processes sharing the data directory never
 * interleave), then fdatasync(2), and only then does every record of the batch resolve. An issuance
 * waits for its record (authority.ts), so a credential never exists without its line on disk; the
 * callers that issue concurrently (the server, tbot's Workload API) share one write and one sync.
 *
 * The file is opened with O_NOFOLLOW: a symbolic link planted at `<path>` is refused (ELOOP), never
 * appended through. Rotation renames links as names (rename(2) does not follow them) and reads the
 * size with lstat, so a planted `<path>.N` is moved or dropped, its target untouched.
 *
 * Rotation, when a write leaves the file at `maxBytes` or more: under `<path>.lock` (the
 * cross-process lock of storage/lock.ts, a lock of its own so it never waits on a resource write),
 * the file's size is read again by path (another process may have rotated it already), then
 * `<path>.3` → `.4`, …, `<path>` → `.1` by rename(2). Nothing is copied or truncated, so nothing
 * is lost: a process that opened the file just before the rename finishes its write into what is
 * now `.1`, and the next open creates a fresh file.
 */
export class FileAuditLog implements AuditSink {
  private queue: string[] = []
  /** Queued lines already encoded, 64 at a time: a long burst stays a few flat buffers, not one huge string. */
  private encoded: Buffer[] = []
  private writing: Promise<void> = Promise.resolve()
  /** The batch records join until its write starts. */
  private pending?: Batch
  private failure?: Error
  private readonly now: () => Date
  private readonly maxBytes: number
  private readonly maxFiles: number

  constructor(private readonly path: string, options: FileAuditLogOptions = {}) {
    this.now = options.now ?? (() => new Date())
    this.maxBytes = options.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES
    this.maxFiles = options.maxFiles ?? DEFAULT_AUDIT_MAX_FILES
    if (!(this.maxBytes > 0) || !Number.isInteger(this.maxFiles) || this.maxFiles < 2) {
      throw new TypeError('FileAuditLog needs maxBytes > 0 and maxFiles >= 2')
    }
  }

  svidIssued(event: SvidIssuedEvent): Promise<void> {
    return this.append(auditLine(event, this.now()))
  }

  botJoin(event: BotJoinEvent): Promise<void> {
    return this.append(botJoinLine(event, this.now()))
  }

  svidDenied(event: SvidDeniedEvent): Promise<void> {
    return this.append(svidDeniedLine(event, this.now()))
  }

  private append(line: string): Promise<void> {
    this.queue.push(line)
    if (this.queue.length >= ENCODE_EVERY) this.encodeQueue()
    if (!this.pending) {
      const batch = newBatch()
      this.pending = batch
      this.writing = this.writing.then(() => this.commit(batch))
    }
    return this.pending.durable
  }

  /** Never rejects: the batch's records learn the outcome, and flush() reports a failure once. */
  private async commit(batch: Batch): Promise<void> {
    this.pending = undefined
    this.encodeQueue()
    const chunks = this.encoded
    this.encoded = []
    let size: number
    try {
      size = await appendChunks(this.path, chunks)
    } catch (err) {
      const failure = auditWriteError(this.path, err)
      this.failure ??= failure
      batch.reject(failure)
      return
    }
    batch.resolve()
    // A failed rotation loses nothing: the file grows on, and the next batch tries again.
    if (size >= this.maxBytes) await this.rotate().catch(() => undefined)
  }

  private encodeQueue(): void {
    if (this.queue.length === 0) return
    this.encoded.push(Buffer.from(this.queue.join('\n') + '\n', 'utf8'))
    this.queue = []
  }

  private async rotate(): Promise<void> {
    await withLock(`${this.path}.lock`, async () => {
      const size = await fs.lstat(this.path).then((s) => (s.isFile() ? s.size : 0), () => 0)
      if (size < this.maxBytes) return
      for (let i = this.maxFiles - 2; i >= 1; i--) await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`)
      await renameIfExists(this.path, `${this.path}.1`)
    }, {timeoutMs: ROTATION_LOCK_TIMEOUT_MS})
  }

  /** Rejects if any write failed since the last flush: a lost audit record is reported, not hidden. */
  async flush(): Promise<void> {
    await this.writing
    const failure = this.failure
    this.failure = undefined
    if (failure) throw failure
  }
}

/** O_APPEND so concurrent writers never interleave a line; O_NOFOLLOW so a planted link is refused. */
const APPEND_FLAGS = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW

/**
 * Each chunk (whole lines) in one write(2) where the kernel allows, then fdatasync(2); resolves to
 * the file's size after. O_NOFOLLOW still opens a FIFO or a device, so anything but a regular file is refused.
 */
async function appendChunks(path: string, chunks: readonly Buffer[]): Promise<number> {
  const handle = await fs.open(path, APPEND_FLAGS, 0o600)
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), {code: 'EINVAL'})
    for (const chunk of chunks) {
      let offset = 0
      while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten
    }
    await handle.datasync()
    return stat.size + chunks.reduce((n, c) => n + c.length, 0)
  } finally {
    await handle.close()
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
