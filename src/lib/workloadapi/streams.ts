/**
 * The open server streams (FetchX509SVID, FetchX509Bundles, FetchJWTBundles) and the push of new
 * state to all of them when the source says something changed (Workload API §4.3: the full state
 * at once, then again on every change, without the client reconnecting). Each stream refreshes
 * one at a time; a notification arriving mid-refresh runs one more refresh after it (never two at
 * once, never a lost update). Within one notification, streams of the same caller share one
 * source call. A message equal to the last one sent is not sent again (SPIRE does the same).
 */
import {
  jwtBundlesResponse, sameBytesMap, sameX509SvidResponse, x509BundlesResponse, x509SvidResponse,
} from './handlers.js'
import type {JwtBundlesResponse, X509BundlesResponse, X509SvidResponse} from './proto.js'
import type {WorkloadCaller, WorkloadIdentitySource} from './source.js'

/** What a stream needs from its transport: send a message, or end with an error status. */
export interface StreamSink {
  write(message: object): void
  fail(err: unknown): void
}

/** Per-notification memo of source answers, keyed by caller object. */
type Memo = Map<WorkloadCaller, Promise<X509SvidResponse>>

interface OpenStream {
  refresh(memo: Memo | undefined): void
}

export type StreamKind = 'x509-svid' | 'x509-bundles' | 'jwt-bundles'

export class StreamHub {
  private readonly streams = new Set<OpenStream>()
  private unsubscribe: (() => void) | undefined

  constructor(private readonly source: WorkloadIdentitySource) {}

  get size(): number {
    return this.streams.size
  }

  start(): void {
    this.unsubscribe ??= this.source.subscribe(() => this.notify())
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  /** Pushes the current state to every open stream. */
  notify(): void {
    const memo: Memo = new Map()
    for (const stream of this.streams) stream.refresh(memo)
  }

  /** Opens a stream: sends the first message at once; returns the function that closes it. */
  open(kind: StreamKind, caller: WorkloadCaller, sink: StreamSink): () => void {
    const compute = this.computeFor(kind, caller)
    let last: unknown
    let running = false
    let pending: Memo | undefined | null = null
    const stream: OpenStream = {
      refresh: (memo) => {
        pending = memo
        if (!running) void run()
      },
    }
    const close = (): void => { this.streams.delete(stream) }
    const run = async (): Promise<void> => {
      running = true
      try {
        while (pending !== null && this.streams.has(stream)) {
          const memo: Memo | undefined = pending
          pending = null
          const message = await compute(memo)
          if (!this.streams.has(stream)) break
          if (last !== undefined && sameMessage(kind, last, message)) continue
          last = message
          sink.write(message as object)
        }
      } catch (err) {
        close()
        sink.fail(err)
      } finally {
        running = false
      }
    }
    this.streams.add(stream)
    stream.refresh(undefined)
    return close
  }

  private computeFor(kind: StreamKind, caller: WorkloadCaller): (memo: Memo | undefined) => Promise<unknown> {
    switch (kind) {
      case 'x509-svid':
        return (memo) => {
          if (memo === undefined) return x509SvidResponse(this.source, caller)
          let answer = memo.get(caller)
          if (answer === undefined) {
            answer = x509SvidResponse(this.source, caller)
            memo.set(caller, answer)
          }
          return answer
        }
      case 'x509-bundles':
        return async () => x509BundlesResponse(this.source.bundles())
      case 'jwt-bundles':
        return async () => jwtBundlesResponse(this.source.bundles())
    }
  }
}

function sameMessage(kind: StreamKind, a: unknown, b: unknown): boolean {
  if (a === b) return true
  switch (kind) {
    case 'x509-svid': return sameX509SvidResponse(a as X509SvidResponse, b as X509SvidResponse)
    case 'x509-bundles': return sameBytesMap((a as X509BundlesResponse).bundles, (b as X509BundlesResponse).bundles)
    case 'jwt-bundles': return sameBytesMap((a as JwtBundlesResponse).bundles, (b as JwtBundlesResponse).bundles)
  }
}
