/**
 * Who is at the other end of a new Workload API connection: the key the per-caller limits count
 * against (`uid N` from SO_PEERCRED on a Unix socket; a process can fork new pids at will, not new
 * uids; the peer's IP over TCP) and the attestation of its process (attest/unix.ts). One frozen
 * WorkloadCaller object per attested attributes object, so the source's per-caller caches and the
 * stream hub's memo see the same caller for every connection of one process.
 */
import type {Socket} from 'node:net'
import type {WorkloadAttrs} from '../authz/attributes.js'
import type {Logger} from '../log.js'
import type {PeerCred, PeerCredReader} from './attest/peercred.js'
import {processChange, processChangedError, readProcessIdentity, type ProcessIdentity} from './attest/process-identity.js'
import type {UnixAttestor} from './attest/unix.js'
import type {WorkloadCaller} from './source.js'

export const UNATTESTED: WorkloadCaller = Object.freeze({})

export interface IdentifiedPeer {
  readonly callerKey: string
  /** Starts attesting the peer's process (soft failure: UNATTESTED). */
  attest(): Promise<WorkloadCaller>
  /**
   * Throws AccessDeniedError when the process that connected has exec'd another binary or exited
   * since the connection was accepted (attest/process-identity.ts); call before every answer.
   */
  verify(): void
}

export class CallerIdentifier {
  private readonly callerByAttrs = new WeakMap<WorkloadAttrs, WorkloadCaller>()

  constructor(
    private readonly attestor: UnixAttestor | undefined,
    private readonly peerCred: PeerCredReader | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * Reads the peer's credentials and pins its process (start time, executable) now: the credentials
   * are fixed at connect(), the executable is not. Attestation starts on demand.
   */
  identify(socket: Socket): IdentifiedPeer {
    const peer = this.readPeer(socket)
    const callerKey = peer !== undefined ? `uid ${peer.uid}` : (socket.remoteAddress ?? 'unknown')
    const pinned = peer !== undefined && this.attestor !== undefined
      ? readProcessIdentity(peer.pid, this.attestor.procRoot) : undefined
    return {
      callerKey,
      attest: () => this.attest(peer, pinned),
      verify: () => { if (peer !== undefined && pinned !== undefined) this.verify(peer, pinned) },
    }
  }

  private verify(peer: PeerCred, pinned: ProcessIdentity): void {
    const change = processChange(pinned, readProcessIdentity(pinned.pid, this.attestor?.procRoot))
    if (change === undefined) return
    this.log.warn('Workload API call refused: the process that opened the connection changed',
      {pid: peer.pid, uid: peer.uid, change})
    throw processChangedError(change)
  }

  private readPeer(socket: Socket): PeerCred | undefined {
    if (this.peerCred === undefined) return undefined
    try {
      return this.peerCred(socket)
    } catch (err) {
      this.log.error('Workload attestation failed', {error: err as Error})
      return undefined
    }
  }

  private async attest(peer: PeerCred | undefined, pinned: ProcessIdentity | undefined): Promise<WorkloadCaller> {
    // No pinned process (gone already, or in another PID namespace): nothing to attest.
    if (peer === undefined || pinned === undefined || this.attestor === undefined) return UNATTESTED
    let attrs: WorkloadAttrs | undefined
    try {
      attrs = await this.attestor.attest(peer, pinned)
    } catch (err) {
      this.log.error('Workload attestation failed', {error: err as Error})
    }
    if (attrs === undefined) return UNATTESTED
    let caller = this.callerByAttrs.get(attrs)
    if (caller === undefined) {
      caller = Object.freeze({workload: attrs})
      this.callerByAttrs.set(attrs, caller)
    }
    return caller
  }
}
