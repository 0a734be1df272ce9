/**
 * What the three Workload API sources share (go-spiffe v2/workloadapi/watcher.go): the options, an
 * owned or borrowed client, and waiting for the first update of every watched stream before
 * `create()` resolves — so a source is never handed out empty.
 */
import {BadParameterError, SvidkitError} from '../../errors.js'
import {WorkloadApiClient, type Watch, type WorkloadApiClientOptions} from '../client.js'
import {GrpcStatus, WorkloadApiError} from '../status.js'

/** How a source reaches the Workload API (the client options) and how it waits for its first update. */
export interface SourceOptions extends WorkloadApiClientOptions {
  /**
   * A client to use instead of creating one (several sources may share it); the source does not
   * close a borrowed client.
   */
  readonly client?: WorkloadApiClient
  /** Give up waiting for the first update after this long (default: wait as long as it takes, as go-spiffe does). */
  readonly initialTimeoutMs?: number
  /** Every failed stream or bad message (the watch keeps retrying unless the error is InvalidArgument). */
  readonly onError?: (err: Error) => void
}

/** Events every source emits: `updated` after each change it applied. */
export interface SourceEvents {
  updated: []
}

type Start = (client: WorkloadApiClient, ready: () => void, failed: (err: Error) => void) => Watch[]

/** The watches of one source, their client, and the closed flag. */
export class SourceCore {
  private watches: Watch[] = []
  private closed = false

  private constructor(private readonly prefix: string, private readonly client: WorkloadApiClient, private readonly owned: boolean) {}

  /** Opens the watches; resolves when each has delivered once (`ready` called `count` times). */
  static async open(prefix: string, options: SourceOptions, count: number, start: Start): Promise<SourceCore> {
    const client = options.client ?? await WorkloadApiClient.create(options)
    const core = new SourceCore(prefix, client, options.client === undefined)
    let pending = count
    let timer: NodeJS.Timeout | undefined
    try {
      await new Promise<void>((resolve, reject) => {
        const failed = (err: Error): void => {
          options.onError?.(err)
          if (isFatal(err)) reject(new SvidkitError(codeOf(err), `${prefix}: ${err.message}`, {cause: err}))
        }
        core.watches = start(client, () => {
          if (--pending === 0) resolve()
        }, failed)
        if (options.initialTimeoutMs !== undefined) {
          timer = setTimeout(() => reject(new SvidkitError('CONNECTION_PROBLEM',
            `${prefix}: no update from the Workload API within ${options.initialTimeoutMs} ms`)), options.initialTimeoutMs)
        }
      })
    } catch (err) {
      core.close()
      throw err
    } finally {
      clearTimeout(timer)
    }
    return core
  }

  /** go-spiffe's `<source>: source is closed`. */
  checkClosed(): void {
    if (this.closed) throw new BadParameterError(`${this.prefix}: source is closed`)
  }

  get isClosed(): boolean {
    return this.closed
  }

  get workloadApiClient(): WorkloadApiClient {
    return this.client
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const watch of this.watches) watch.stop()
    if (this.owned) this.client.close()
  }
}

/** The watch gave up for good (InvalidArgument, Canceled): create() must not wait on. */
function isFatal(err: Error): boolean {
  return err instanceof WorkloadApiError &&
    (err.grpcCode === GrpcStatus.INVALID_ARGUMENT || err.grpcCode === GrpcStatus.CANCELLED)
}

function codeOf(err: Error): SvidkitError['code'] {
  return err instanceof SvidkitError ? err.code : 'CONNECTION_PROBLEM'
}
