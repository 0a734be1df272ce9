/**
 * The audit log: one JSON line per issued SVID, with the fields of Teleport's `spiffe.svid.issued`
 * event (Teleport's api/types/events SPIFFESVIDIssued, code TSPIFFE000I in lib/events/codes.go). It
 * names what was issued and to whom; it never holds a private key, a JWT or a join token (only the
 * JWT's jti and the certificate's serial). Lines are bounded in size (audit-line.ts) and the file
 * is rotated by size (FileAuditLog below).
 */
import {randomUUID} from 'node:crypto'
import {promises as fs} from 'node:fs'
import type {Attributes} from '../authz/attributes.js'
import {withLock} from '../storage/lock.js'
import {auditLine, auditRecordWithUid} from './audit-line.js'

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
  svidIssued(event: SvidIssuedEvent): void
  /** Resolves when everything recorded so far is written. */
  flush(): Promise<void>
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

/**
 * Appends lines to a file (0600) in batches: records queue in memory, 64 lines are encoded into
 * one buffer, and each buffer goes out in one write(2) on an O_APPEND descriptor, so lines from
 * several processes sharing the data directory never interleave.
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
  private scheduled = false
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

  svidIssued(event: SvidIssuedEvent): void {
    this.queue.push(auditLine(event, this.now()))
    if (this.queue.length >= ENCODE_EVERY) this.encodeQueue()
    if (!this.scheduled) {
      this.scheduled = true
      this.writing = this.writing.then(() => this.drain()).catch((err: Error) => {
        this.failure ??= err
      })
    }
  }

  private async drain(): Promise<void> {
    this.scheduled = false
    this.encodeQueue()
    const chunks = this.encoded
    this.encoded = []
    if (chunks.length === 0) return
    const size = await appendChunks(this.path, chunks)
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
      const size = await fs.stat(this.path).then((s) => s.size, () => 0)
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

/** Each chunk (whole lines) in one write(2) where the kernel allows; resolves to the file's size after. */
async function appendChunks(path: string, chunks: readonly Buffer[]): Promise<number> {
  const handle = await fs.open(path, 'a', 0o600)
  try {
    for (const chunk of chunks) {
      let offset = 0
      while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten
    }
    return (await handle.stat()).size
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
