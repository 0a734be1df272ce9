/**
 * The audit log: one JSON line per issued SVID, with the fields of Teleport's `spiffe.svid.issued`
 * event (teleport.md §9). It names what was issued and to whom; it never holds a private key, a
 * JWT or a join token (only the JWT's jti and the certificate's serial).
 */
import {randomUUID} from 'node:crypto'
import {promises as fs} from 'node:fs'
import type {Attributes} from '../authz/attributes.js'

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

/**
 * Appends lines to a file (0600) in batches: records queue in memory and one write per batch goes
 * out with O_APPEND, so concurrent processes' lines never interleave within a line.
 */
export class FileAuditLog implements AuditSink {
  private queue: string[] = []
  private writing: Promise<void> = Promise.resolve()
  private scheduled = false
  private failure?: Error

  constructor(private readonly path: string, private readonly now: () => Date = () => new Date()) {}

  svidIssued(event: SvidIssuedEvent): void {
    this.queue.push(JSON.stringify(auditRecord(event, this.now())) + '\n')
    if (!this.scheduled) {
      this.scheduled = true
      this.writing = this.writing.then(() => this.drain()).catch((err: Error) => {
        this.failure ??= err
      })
    }
  }

  private async drain(): Promise<void> {
    this.scheduled = false
    const lines = this.queue.join('')
    this.queue = []
    if (lines !== '') await fs.appendFile(this.path, lines, {mode: 0o600})
  }

  /** Rejects if any write failed since the last flush: a lost audit record is reported, not hidden. */
  async flush(): Promise<void> {
    await this.writing
    const failure = this.failure
    this.failure = undefined
    if (failure) throw failure
  }
}
