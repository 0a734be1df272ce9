/**
 * The SPIFFE Workload API server (tbot's workload-identity-api service): grpc-js behind our own
 * net.Server, so each connection is seen before gRPC gets it. On accept the peer's SO_PEERCRED is
 * read, the per-caller connection cap applied and attestation started; the connection is then
 * handed to grpc-js through its public connection injector, with `remoteAddress` shadowed by a
 * connection id that handlers map back to the caller (connections.ts). The process that connected
 * is pinned at accept and checked again before every answer and stream push, so a caller that
 * exec'd another binary since is refused (attest/process-identity.ts). Every call is rate limited
 * per caller and method (rate-limit.ts) and its request bounded (limits.ts, handlers.ts). Handlers
 * are the pure functions of handlers.ts; streams are kept in a StreamHub that pushes every change
 * from the source.
 */
import {createServer, type Server as NetServer, type Socket} from 'node:net'
import type * as Grpc from '@grpc/grpc-js'
import {ConnectionProblemError} from '../errors.js'
import {discardLogger, type Logger} from '../log.js'
import {parseWorkloadAddress, type WorkloadAddress} from './address.js'
import {loadPeerCredReader} from './attest/peercred.js'
import {UnixAttestor} from './attest/unix.js'
import {CallerIdentifier, UNATTESTED} from './callers.js'
import {ConnectionRegistry} from './connections.js'
import {
  checkSecurityHeader, fetchJwtSvid, NOT_ENTITLED, SECURITY_HEADER, validateJwtSvid, witNotImplemented,
} from './handlers.js'
import {
  idleDestroyAfterMs, resolveLimits, type LimitedMethod, type WorkloadApiLimitOverrides, type WorkloadApiLimits,
} from './limits.js'
import {listenWorkloadApi, removeSocketFile, DEFAULT_SOCKET_MODE} from './listener.js'
import {loadWorkloadApi, type JwtSvidRequest, type ValidateJwtSvidRequest} from './proto.js'
import type {WorkloadCaller, WorkloadIdentitySource} from './source.js'
import {CallerRateLimiter} from './rate-limit.js'
import {GrpcStatus, grpcStatusOf} from './status.js'
import {StreamHub, type StreamKind} from './streams.js'
import {workloadApiCall} from '../metrics/tbot.js'
import {loadSds} from './sds/proto.js'
import {sdsImplementation, type SdsHost} from './sds/service.js'

export interface WorkloadApiServerOptions {
  /** `unix:///path/workload.sock` or `tcp://IP:PORT` (no attestation over TCP). */
  readonly listen: string
  readonly source: WorkloadIdentitySource
  readonly attestors?: {readonly unix?: {readonly binaryHashMaxSizeBytes?: number}}
  /** The Unix socket's mode; default 0o777 (SPIRE's and Teleport's): attestation decides, not the mode. */
  readonly socketMode?: number
  /** Request, rate, connection and idle bounds (limits.ts); defaults for whatever is left out. */
  readonly limits?: WorkloadApiLimitOverrides
  readonly log?: Logger
  readonly now?: () => Date
  /** The rate limiter's monotonic clock in ms (default performance.now). */
  readonly monotonicNow?: () => number
}

export interface RunningWorkloadApiServer {
  /** The address clients use: `unix:///…`, or `tcp://ip:port` with the real port. */
  readonly address: string
  /** Connections open now (each counted from accept to close). */
  readonly openConnections: number
  /** Stops accepting, ends open streams with Unavailable, lets calls finish for up to graceMs. */
  close(graceMs?: number): Promise<void>
}

type ServerStream = Grpc.ServerWritableStream<unknown, unknown>
type UnaryCall<Req> = Grpc.ServerUnaryCall<Req, unknown>
type Injector = ReturnType<Grpc.Server['createConnectionInjector']>

const STREAM_METHODS: Readonly<Record<StreamKind, LimitedMethod>> = {
  'x509-svid': 'FetchX509SVID', 'x509-bundles': 'FetchX509Bundles', 'jwt-bundles': 'FetchJWTBundles',
}

export class WorkloadApiServer {
  private readonly hub: StreamHub
  private readonly log: Logger
  private readonly now: () => Date
  private readonly connections: ConnectionRegistry
  private readonly rateLimiter: CallerRateLimiter
  /** Open streams and the function that detaches each from the hub. */
  private readonly openStreams = new Map<ServerStream, () => void>()
  private closing: Promise<void> | undefined

  private constructor(
    private readonly options: WorkloadApiServerOptions,
    private readonly limits: WorkloadApiLimits,
    private readonly address: WorkloadAddress,
    private readonly grpc: typeof Grpc,
    private readonly grpcServer: Grpc.Server,
    private readonly identifier: CallerIdentifier,
  ) {
    this.hub = new StreamHub(options.source)
    this.log = options.log ?? discardLogger
    this.now = options.now ?? (() => new Date())
    this.connections = new ConnectionRegistry({
      maxPerCaller: limits.maxConnectionsPerCaller, destroyIdleAfterMs: idleDestroyAfterMs(limits),
    })
    this.rateLimiter = new CallerRateLimiter(limits.rates, options.monotonicNow)
  }

  /** Parses the address, loads grpc-js and (for Unix) the peer-credential addon, and listens. */
  static async start(options: WorkloadApiServerOptions): Promise<RunningWorkloadApiServer> {
    const address = parseWorkloadAddress(options.listen)
    const limits = resolveLimits(options.limits)
    const [{grpc, service}, sds] = await Promise.all([loadWorkloadApi(), loadSds()])
    const unix = address.network === 'unix'
    const attestor = unix ? new UnixAttestor({
      binaryHashMaxSizeBytes: options.attestors?.unix?.binaryHashMaxSizeBytes,
      log: options.log,
    }) : undefined
    const grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': limits.maxRequestBytes,
      'grpc.max_connection_idle_ms': limits.connectionIdleMs,
      'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    })
    const identifier = new CallerIdentifier(attestor, unix ? loadPeerCredReader() : undefined, options.log ?? discardLogger)
    const server = new WorkloadApiServer(options, limits, address, grpc, grpcServer, identifier)
    grpcServer.addService(service, server.implementation())
    grpcServer.addService(sds.service, sdsImplementation(server.sdsHost()))
    return server.listen()
  }

  private async listen(): Promise<RunningWorkloadApiServer> {
    const injector = this.grpcServer.createConnectionInjector(this.grpc.ServerCredentials.createInsecure())
    const listener = createServer((socket) => {
      if (this.accept(socket)) injector.injectConnection(socket)
    })
    const address = await listenWorkloadApi(listener, this.address, this.options.socketMode ?? DEFAULT_SOCKET_MODE)
    this.hub.start()
    this.log.info('Listener opened for Workload API endpoint', {addr: address})
    if (this.address.network === 'tcp') {
      this.log.warn('Workload API endpoint listening on a TCP port. Ensure that only intended hosts can reach this port!')
    }
    const connections = this.connections
    return {
      address,
      get openConnections() {
        return connections.size
      },
      close: (graceMs = 5000) => (this.closing ??= this.close(listener, injector, graceMs)),
    }
  }

  /**
   * Registers the connection (false: its caller is at the connection cap, and it is closed),
   * starts attesting it, and tags it so handlers find it.
   */
  private accept(socket: Socket): boolean {
    const {callerKey, attest, verify} = this.identifier.identify(socket)
    const connection = this.connections.add(socket, callerKey, attest, verify)
    if (connection === undefined) {
      this.log.debug('Workload API connection refused: too many open connections', {caller: callerKey})
      return false
    }
    // grpc-js copies remoteAddress into call.getPeer(); the client cannot influence it.
    Object.defineProperty(socket, 'remoteAddress', {value: connection.id, configurable: true})
    Object.defineProperty(socket, 'remotePort', {value: undefined, configurable: true})
    return true
  }

  private callerOf(call: {getPeer(): string}): Promise<WorkloadCaller> {
    return this.connections.get(call.getPeer())?.caller ?? Promise.resolve(UNATTESTED)
  }

  /**
   * The checks every call passes first: the security header, the caller's rate for `method`, and
   * that the connection's process has not exec'd since it connected.
   */
  private admit(method: LimitedMethod, call: {getPeer(): string; metadata: Grpc.Metadata}): void {
    checkSecurityHeader(call.metadata.get(SECURITY_HEADER))
    const connection = this.connections.get(call.getPeer())
    this.rateLimiter.take(method, connection?.callerKey ?? 'unknown')
    connection?.verify()
  }

  /** Throws when the call's process changed; checked again right before anything is sent. */
  private verifyCaller(call: {getPeer(): string}): void {
    this.connections.get(call.getPeer())?.verify()
  }

  /** Envoy SDS on the same socket (sds/service.ts): the Workload API's checks without its header, rated as FetchX509SVID. */
  private sdsHost(): SdsHost {
    return {
      source: this.options.source, log: this.log,
      admit: (call) => {
        const connection = this.connections.get(call.getPeer())
        this.rateLimiter.take('FetchX509SVID', connection?.callerKey ?? 'unknown')
        connection?.verify()
      },
      callerOf: (call) => this.callerOf(call),
      verifyCaller: (call) => this.verifyCaller(call),
      callStarted: (call) => this.connections.callStarted(call.getPeer()),
      statusFor: (method, err) => this.statusFor(method, err),
      track: (call, close) => {
        this.openStreams.set(call as unknown as ServerStream, close)
        return () => this.openStreams.delete(call as unknown as ServerStream)
      },
    }
  }

  private implementation(): Grpc.UntypedServiceImplementation {
    const source = this.options.source
    return {
      FetchX509SVID: this.streamHandler('x509-svid'),
      FetchX509Bundles: this.streamHandler('x509-bundles'),
      FetchJWTBundles: this.streamHandler('jwt-bundles'),
      FetchJWTSVID: this.unaryHandler<JwtSvidRequest>('FetchJWTSVID', async (request, call) =>
        fetchJwtSvid(source, await this.callerOf(call), request, this.limits)),
      ValidateJWTSVID: this.unaryHandler<ValidateJwtSvidRequest>('ValidateJWTSVID', async (request) =>
        validateJwtSvid(source.bundles(), request, this.now(), this.limits)),
      FetchWITSVID: (call: ServerStream) => this.failCall(call, 'FetchWITSVID', () => witNotImplemented('FetchWITSVID')),
      FetchWITBundles: (call: ServerStream) =>
        this.failCall(call, 'FetchWITBundles', () => witNotImplemented('FetchWITBundles')),
    }
  }

  private unaryHandler<Req>(method: LimitedMethod, handle: (request: Req, call: UnaryCall<Req>) => Promise<object>) {
    return (call: UnaryCall<Req>, callback: Grpc.sendUnaryData<unknown>): void => {
      const ended = this.connections.callStarted(call.getPeer())
      const run = async (): Promise<object> => {
        this.admit(method, call)
        const reply = await handle(call.request, call)
        // Attestation may have taken a while: the process must still be the one that connected.
        this.verifyCaller(call)
        return reply
      }
      run().finally(ended).then((reply) => (workloadApiCall(method, 0), callback(null, reply)), (err: unknown) => callback(this.statusFor(method, err)))
    }
  }

  private streamHandler(kind: StreamKind) {
    const method = STREAM_METHODS[kind]
    return (call: ServerStream): void => {
      try {
        this.admit(method, call)
      } catch (err) {
        this.endWithError(call, kind, err)
        return
      }
      const ended = this.connections.callStarted(call.getPeer())
      call.once('cancelled', ended)
      call.once('close', ended)
      void this.callerOf(call).then((caller) => {
        if (call.cancelled) return
        if (this.closing !== undefined) {
          this.endWithError(call, kind, new ConnectionProblemError('workload API server is shutting down'))
          return
        }
        const detach = this.hub.open(kind, caller, {
          // Every push re-checks the process; a refusal ends the stream through the hub's fail().
          write: (message) => {
            this.verifyCaller(call)
            call.write(message)
          },
          fail: (err) => {
            this.openStreams.delete(call)
            this.endWithError(call, kind, err)
          },
        })
        this.openStreams.set(call, detach)
        workloadApiCall(method, 0)
        call.once('cancelled', () => {
          detach()
          this.openStreams.delete(call)
        })
        this.log.debug('Workload API stream opened', {stream: kind})
      })
    }
  }

  private failCall(call: ServerStream, method: string, fail: () => never): void {
    try {
      checkSecurityHeader(call.metadata.get(SECURITY_HEADER))
      fail()
    } catch (err) {
      this.endWithError(call, method, err)
    }
  }

  private endWithError(call: ServerStream, method: string, err: unknown): void {
    const status = this.statusFor(method, err)
    call.emit('error', {...status, message: status.details})
  }

  private statusFor(method: string, err: unknown): Grpc.ServiceError {
    const status = grpcStatusOf(err)
    workloadApiCall(method, status.code, status.details === NOT_ENTITLED)
    if (status.code === GrpcStatus.INTERNAL) this.log.error('Workload API request failed', {method, error: err as Error})
    else if (status.details === NOT_ENTITLED) this.log.warn('Workload did not pass attestation for any SVIDs', {method})
    else this.log.debug('Workload API request refused', {method, code: status.code, details: status.details})
    return Object.assign(new Error(status.details), status) as unknown as Grpc.ServiceError
  }

  private async close(listener: NetServer, injector: Injector, graceMs: number): Promise<void> {
    const listenerClosed = new Promise<void>((resolve) => listener.close(() => resolve()))
    this.hub.stop()
    for (const [call, detach] of [...this.openStreams]) {
      detach()
      this.openStreams.delete(call)
      this.endWithError(call, 'shutdown', new ConnectionProblemError('workload API server is shutting down'))
    }
    injector.drain(graceMs)
    await this.connections.whenEmpty(graceMs)
    injector.destroy()
    this.connections.destroyAll()
    this.grpcServer.forceShutdown()
    await listenerClosed
    await removeSocketFile(this.address)
    this.log.info('Shut down Workload API endpoint')
  }
}

/** The factory tbot's service calls (see WorkloadApiServerOptions). */
export function startWorkloadApiServer(options: WorkloadApiServerOptions): Promise<RunningWorkloadApiServer> {
  return WorkloadApiServer.start(options)
}
