/**
 * The audit log: one JSON line per issued SVID, with the fields of Teleport's `spiffe.svid.issued`
 * event (teleport.md §9). It names what was issued and to whom; it never holds a private key, a
 * JWT or a join token (only the JWT's jti and the certificate's serial).
 */
import {randomUUID} from 'node:crypto'
import {promises as fs} from 'node:fs'
import type {Attributes} from '../authz/attributes.js'
import {auditLine} from './audit-line.js'

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

export function auditRecord(e: SvidIssuedEvent, time: Date): Record<string, unknown> {
  return {
    event: 'spiffe.svid.issued',
    code: 'TSPIFFE000I',
    time: time.toISOString(),
    uid: randomUUID(),
    user: e.user,
    svid_type: e.svidType,
    spiffe_id: e.spiffeId,
    ...(e.serialNumber !== undefined ? {serial_number: e.serialNumber} : {}),
    ...(e.jti !== undefined ? {jti: e.jti, audiences: e.audiences} : {}),
    dns_sans: e.dnsSans ?? [],
    hint: e.hint,
    workload_identity: e.workloadIdentity,
    workload_identity_revision: e.workloadIdentityRevision,
    ...(e.nameSelector !== undefined ? {name_selector: e.nameSelector} : {}),
    ...(e.labelSelectors !== undefined ? {label_selectors: e.labelSelectors} : {}),
    attributes: e.attributes,
  }
}

const ENCODE_EVERY = 64

/**
 * Appends lines to a file (0600) in batches: records queue in memory and one write per batch goes
 * out with O_APPEND, so concurrent processes' lines never interleave within a line.
 */
export class FileAuditLog implements AuditSink {
  private queue: string[] = []
  /** Queued lines already encoded, 64 at a time: a long burst stays a few flat buffers, not one huge string. */
  private encoded: Buffer[] = []
  private writing: Promise<void> = Promise.resolve()
  private scheduled = false
  private failure?: Error

  constructor(private readonly path: string, private readonly now: () => Date = () => new Date()) {}

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
    const batch = this.encoded.length === 1 ? this.encoded[0]! : Buffer.concat(this.encoded)
    this.encoded = []
    if (batch.length > 0) await fs.appendFile(this.path, batch, {mode: 0o600})
  }

  private encodeQueue(): void {
    if (this.queue.length === 0) return
    this.encoded.push(Buffer.from(this.queue.join('\n') + '\n', 'utf8'))
    this.queue = []
  }

  /** Rejects if any write failed since the last flush: a lost audit record is reported, not hidden. */
  async flush(): Promise<void> {
    await this.writing
    const failure = this.failure
    this.failure = undefined
    if (failure) throw failure
  }
}
