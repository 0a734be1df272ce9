/**
 * A Workload API client for Node programs (and `tbot spiffe-inspect`), shaped after go-spiffe's
 * `workloadapi.Client` (spec/SPIFFE_Workload_API.md): every call carries `workload.spiffe.io: true`, the
 * address comes from the option or SPIFFE_ENDPOINT_SOCKET, watches retry with a linear backoff
 * (1 s, 2 s, … 30 s, reset by each message) and stop on InvalidArgument or Canceled.
 */
import type * as Grpc from '@grpc/grpc-js'
import {grpcTarget, resolveWorkloadAddress} from './address.js'
import {SECURITY_HEADER} from './handlers.js'
import {GrpcStatus, toWorkloadApiError, WorkloadApiError} from './status.js'
import {
  parseJwtBundles, parseJwtSvids, parseX509Bundles, parseX509Context,
  type JwtBundle, type JwtSvid, type X509Bundle, type X509Context, type X509Svid,
} from './parse.js'
import {
  fromProtoStruct, loadWorkloadApi, type JwtBundlesResponse, type JwtSvidRequest, type JwtSvidResponse,
  type ValidateJwtSvidRequest, type ValidateJwtSvidResponse, type X509BundlesResponse, type X509SvidResponse,
} from './proto.js'

export {WorkloadApiError} from './status.js'

export interface WorkloadApiClientOptions {
  /** `unix:///…` or `tcp://IP:PORT`; default SPIFFE_ENDPOINT_SOCKET from `env`. */
  readonly address?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Deadline of each unary call and of each first stream message; none by default. */
  readonly timeoutMs?: number
  /** Watch backoff (go-spiffe: 1 s steps up to 30 s). */
  readonly backoff?: {readonly initialMs: number; readonly maxMs: number}
  /** Extra grpc-js channel options (e.g. `grpc.use_local_subchannel_pool` for one connection per client). */
  readonly channelOptions?: Grpc.ChannelOptions
  readonly now?: () => Date
}

export interface JwtSvidParams {
  readonly audience: string
  readonly extraAudiences?: readonly string[]
  /** Ask for this identity only. */
  readonly subject?: string
}

export interface Watch {
  stop(): void
}

type Unary<Req, Res> = (req: Req, md: Grpc.Metadata, opts: Grpc.CallOptions,
  cb: (err: Grpc.ServiceError | null, res?: Res) => void) => Grpc.ClientUnaryCall
type ServerStream<Res> = (req: object, md: Grpc.Metadata, opts: Grpc.CallOptions) => Grpc.ClientReadableStream<Res>

interface RawClient extends Grpc.Client {
  FetchX509SVID: ServerStream<X509SvidResponse>
  FetchX509Bundles: ServerStream<X509BundlesResponse>
  FetchJWTBundles: ServerStream<JwtBundlesResponse>
  FetchJWTSVID: Unary<JwtSvidRequest, JwtSvidResponse>
  ValidateJWTSVID: Unary<ValidateJwtSvidRequest, ValidateJwtSvidResponse>
}

/** go-spiffe's backoff: n-th retry waits min(initial × n, max); a message resets n. */
export class LinearBackoff {
  private n = 0
  constructor(private readonly initialMs = 1000, private readonly maxMs = 30_000) {}
  next(): number {
    this.n++
    return Math.min(this.initialMs * this.n, this.maxMs)
  }
  reset(): void {
    this.n = 0
  }
}

/** go-spiffe's watch loops give up on InvalidArgument (the spec's "do not retry") and Canceled. */
function isFatalWatchError(err: Error): boolean {
  return err instanceof WorkloadApiError &&
    (err.grpcCode === GrpcStatus.INVALID_ARGUMENT || err.grpcCode === GrpcStatus.CANCELLED)
}

export class WorkloadApiClient {
  private readonly watches = new Set<Watch>()

  private constructor(
    private readonly grpc: typeof Grpc,
    private readonly raw: RawClient,
    private readonly options: WorkloadApiClientOptions,
  ) {}

  /** Resolves the address (throws BadParameterError with go-spiffe's message) and creates the channel. */
  static async create(options: WorkloadApiClientOptions = {}): Promise<WorkloadApiClient> {
    const address = resolveWorkloadAddress(options.address, options.env ?? process.env)
    const {grpc, Client} = await loadWorkloadApi()
    const raw = new Client(grpcTarget(address), grpc.credentials.createInsecure(), options.channelOptions)
    return new WorkloadApiClient(grpc, raw as unknown as RawClient, options)
  }

  /** Stops every watch and closes the channel. */
  close(): void {
    for (const watch of [...this.watches]) watch.stop()
    this.raw.close()
  }

  private metadata(): Grpc.Metadata {
    const md = new this.grpc.Metadata()
    md.set(SECURITY_HEADER, 'true')
    return md
  }

  private callOptions(): Grpc.CallOptions {
    return this.options.timeoutMs === undefined ? {} : {deadline: Date.now() + this.options.timeoutMs}
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))()
  }

  private unary<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(this.raw, request, this.metadata(), this.callOptions(), (err, res) => {
        if (err !== null || res === undefined) reject(toWorkloadApiError(err ?? new Error('empty response')))
        else resolve(res)
      })
    })
  }

  /** The first message of a server stream, then the stream is cancelled (go-spiffe's Fetch* calls). */
  private first<Res>(method: ServerStream<Res>): Promise<Res> {
    return new Promise((resolve, reject) => {
      const call = method.call(this.raw, {}, this.metadata(), this.callOptions())
      let settled = false
      const settle = (fn: () => void): void => {
        if (settled) return
        settled = true
        fn()
      }
      call.on('data', (message: Res) => settle(() => {
        call.cancel()
        resolve(message)
      }))
      call.on('error', (err) => settle(() => reject(toWorkloadApiError(err))))
      const ended = new WorkloadApiError(GrpcStatus.UNAVAILABLE, 'stream ended before the first message')
      call.on('end', () => settle(() => reject(ended)))
    })
  }

  async fetchX509Context(): Promise<X509Context> {
    return parseX509Context(await this.first(this.raw.FetchX509SVID))
  }

  /** The context even when the server sent no SVIDs (spiffe-inspect reports that instead of failing). */
  async fetchX509ContextAllowEmpty(): Promise<X509Context> {
    return parseX509Context(await this.first(this.raw.FetchX509SVID), {allowEmpty: true})
  }

  /** The default (first) X509-SVID. */
  async fetchX509Svid(): Promise<X509Svid> {
    return (await this.fetchX509Context()).svids[0] as X509Svid
  }

  async fetchX509Bundles(): Promise<ReadonlyMap<string, X509Bundle>> {
    return parseX509Bundles(await this.first(this.raw.FetchX509Bundles))
  }

  async fetchJwtBundles(): Promise<ReadonlyMap<string, JwtBundle>> {
    return parseJwtBundles(await this.first(this.raw.FetchJWTBundles))
  }

  /**
   * Every JWT-SVID the caller is entitled to, for `audience` + `extraAudiences`. An empty answer is
   * go-spiffe's `there were no SVIDs in the response` unless allowEmpty.
   */
  async fetchJwtSvids(params: JwtSvidParams, options: {allowEmpty?: boolean} = {}): Promise<JwtSvid[]> {
    const audience = [params.audience, ...(params.extraAudiences ?? [])]
    const response = await this.unary(this.raw.FetchJWTSVID, {audience, spiffe_id: params.subject ?? ''})
    return parseJwtSvids(response, audience, this.now(), options)
  }

  /** The first (default) JWT-SVID. */
  async fetchJwtSvid(params: JwtSvidParams): Promise<JwtSvid> {
    return (await this.fetchJwtSvids(params))[0] as JwtSvid
  }

  /** Asks the server to validate; the SPIFFE ID and claims are the server's answer. */
  async validateJwtSvid(token: string, audience: string): Promise<JwtSvid> {
    const response = await this.unary(this.raw.ValidateJWTSVID, {audience, svid: token})
    const [parsed] = parseJwtSvids({svids: [{spiffe_id: response.spiffe_id, svid: token, hint: ''}]}, [audience], this.now())
    return {...(parsed as JwtSvid), claims: fromProtoStruct(response.claims)}
  }

  /**
   * Calls onUpdate with every context the server streams; reconnects after failures with the
   * linear backoff; stops for good on InvalidArgument or Canceled (onError sees every failure).
   */
  watchX509Context(onUpdate: (context: X509Context) => void, onError: (err: Error) => void = () => {}): Watch {
    return this.watchStream(() => this.raw.FetchX509SVID({}, this.metadata(), {}), parseX509Context, onUpdate, onError)
  }

  /** FetchX509Bundles as a watch (every trust domain's X.509 authorities, federated ones included). */
  watchX509Bundles(onUpdate: (bundles: ReadonlyMap<string, X509Bundle>) => void, onError: (err: Error) => void = () => {}): Watch {
    return this.watchStream(() => this.raw.FetchX509Bundles({}, this.metadata(), {}), parseX509Bundles, onUpdate, onError)
  }

  /** FetchJWTBundles as a watch. */
  watchJwtBundles(onUpdate: (bundles: ReadonlyMap<string, JwtBundle>) => void, onError: (err: Error) => void = () => {}): Watch {
    return this.watchStream(() => this.raw.FetchJWTBundles({}, this.metadata(), {}), parseJwtBundles, onUpdate, onError)
  }

  /** One server stream kept open: every message parsed and handed on, reconnecting with the backoff. */
  private watchStream<Res, T>(
    open: () => Grpc.ClientReadableStream<Res>, parse: (message: Res) => T,
    onUpdate: (value: T) => void, onError: (err: Error) => void,
  ): Watch {
    const backoff = new LinearBackoff(this.options.backoff?.initialMs, this.options.backoff?.maxMs)
    let stopped = false
    let call: Grpc.ClientReadableStream<Res> | undefined
    let timer: NodeJS.Timeout | undefined
    const connect = (): void => {
      if (stopped) return
      const current = open()
      call = current
      let failed = false
      const retry = (err: Error): void => {
        if (failed || stopped) return
        failed = true
        onError(err)
        if (isFatalWatchError(err)) return
        timer = setTimeout(connect, backoff.next())
      }
      current.on('data', (message: Res) => {
        backoff.reset()
        try {
          onUpdate(parse(message))
        } catch (err) {
          onError(err as Error)
        }
      })
      current.on('error', (err) => retry(toWorkloadApiError(err)))
      current.on('end', () => retry(new WorkloadApiError(GrpcStatus.UNAVAILABLE, 'stream ended')))
    }
    const watch: Watch = {
      stop: () => {
        stopped = true
        clearTimeout(timer)
        call?.cancel()
        this.watches.delete(watch)
      },
    }
    this.watches.add(watch)
    connect()
    return watch
  }
}
