/**
 * The SPIFFE Workload API server (tbot's workload-identity-api service): grpc-js behind our own
 * net.Server, so each connection is seen before gRPC gets it. On accept the peer's SO_PEERCRED is
 * read and attestation starts; the connection is then handed to grpc-js through its public
 * connection injector, with `remoteAddress` shadowed by a connection id that handlers map back to
 * the caller (spec/node-notes.md §2). Handlers are the pure functions of handlers.ts; streams are
 * kept in a StreamHub that pushes every change from the source.
 */
import {createServer, type Server as NetServer, type Socket} from 'node:net'
import type * as Grpc from '@grpc/grpc-js'
import type {WorkloadAttrs} from '../authz/attributes.js'
import {ConnectionProblemError} from '../errors.js'
import {discardLogger, type Logger} from '../log.js'
import {parseWorkloadAddress, type WorkloadAddress} from './address.js'
import {loadPeerCredReader, type PeerCredReader} from './attest/peercred.js'
import {UnixAttestor} from './attest/unix.js'
import {
  checkSecurityHeader, fetchJwtSvid, NOT_ENTITLED, SECURITY_HEADER, validateJwtSvid, witNotImplemented,
} from './handlers.js'
import {listenWorkloadApi, removeSocketFile, DEFAULT_SOCKET_MODE} from './listener.js'
import {loadWorkloadApi, type JwtSvidRequest, type ValidateJwtSvidRequest} from './proto.js'
import type {WorkloadCaller, WorkloadIdentitySource} from './source.js'
import {GrpcStatus, grpcStatusOf} from './status.js'
import {StreamHub, type StreamKind} from './streams.js'

export interface WorkloadApiServerOptions {
  /** `unix:///path/workload.sock` or `tcp://IP:PORT` (no attestation over TCP). */
  readonly listen: string
  readonly source: WorkloadIdentitySource
  readonly attestors?: {readonly unix?: {readonly binaryHashMaxSizeBytes?: number}}
  /** The Unix socket's mode; default 0o777 (SPIRE's and Teleport's): attestation decides, not the mode. */
  readonly socketMode?: number
  readonly log?: Logger
  readonly now?: () => Date
}

export interface RunningWorkloadApiServer {
  /** The address clients use: `unix:///…`, or `tcp://ip:port` with the real port. */
  readonly address: string
  /** Stops accepting, ends open streams with Unavailable, lets calls finish for up to graceMs. */
  close(graceMs?: number): Promise<void>
}

const UNATTESTED: WorkloadCaller = Object.freeze({})
const CONNECTION_PREFIX = 'workload-api-connection-'

type ServerStream = Grpc.ServerWritableStream<unknown, unknown>
type UnaryCall<Req> = Grpc.ServerUnaryCall<Req, unknown>
type Injector = ReturnType<Grpc.Server['createConnectionInjector']>

export class WorkloadApiServer {
  private readonly hub: StreamHub
  private readonly log: Logger
  private readonly now: () => Date
  private readonly callers = new Map<string, Promise<WorkloadCaller>>()
  private readonly callerByAttrs = new WeakMap<WorkloadAttrs, WorkloadCaller>()
  private readonly sockets = new Set<Socket>()
  /** Open streams and the function that detaches each from the hub. */
  private readonly openStreams = new Map<ServerStream, () => void>()
  private connectionSeq = 0
  private closing: Promise<void> | undefined
  private onAllSocketsClosed: (() => void) | undefined

  private constructor(
    private readonly options: WorkloadApiServerOptions,
    private readonly address: WorkloadAddress,
    private readonly grpc: typeof Grpc,
    private readonly grpcServer: Grpc.Server,
    private readonly attestor: UnixAttestor | undefined,
    private readonly peerCred: PeerCredReader | undefined,
  ) {
    this.hub = new StreamHub(options.source)
    this.log = options.log ?? discardLogger
    this.now = options.now ?? (() => new Date())
  }

  /** Parses the address, loads grpc-js and (for Unix) the peer-credential addon, and listens. */
  static async start(options: WorkloadApiServerOptions): Promise<RunningWorkloadApiServer> {
    const address = parseWorkloadAddress(options.listen)
    const {grpc, service} = await loadWorkloadApi()
    const unix = address.network === 'unix'
    const attestor = unix ? new UnixAttestor({
      binaryHashMaxSizeBytes: options.attestors?.unix?.binaryHashMaxSizeBytes,
      log: options.log,
    }) : undefined
    const grpcServer = new grpc.Server()
    const peerCred = unix ? loadPeerCredReader() : undefined
    const server = new WorkloadApiServer(options, address, grpc, grpcServer, attestor, peerCred)
    grpcServer.addService(service, server.implementation())
    return server.listen()
  }

  private async listen(): Promise<RunningWorkloadApiServer> {
    const injector = this.grpcServer.createConnectionInjector(this.grpc.ServerCredentials.createInsecure())
    const listener = createServer((socket) => injector.injectConnection(this.accept(socket)))
    const address = await listenWorkloadApi(listener, this.address, this.options.socketMode ?? DEFAULT_SOCKET_MODE)
    this.hub.start()
    this.log.info('Listener opened for Workload API endpoint', {addr: address})
    if (this.address.network === 'tcp') {
      this.log.warn('Workload API endpoint listening on a TCP port. Ensure that only intended hosts can reach this port!')
    }
    return {address, close: (graceMs = 5000) => (this.closing ??= this.close(listener, injector, graceMs))}
  }

  /** Registers the connection, starts attesting it, and tags it so handlers find its caller. */
  private accept(socket: Socket): Socket {
    const id = CONNECTION_PREFIX + String(++this.connectionSeq)
    this.sockets.add(socket)
    this.callers.set(id, this.attest(socket))
    socket.once('close', () => {
      this.sockets.delete(socket)
      this.callers.delete(id)
      if (this.sockets.size === 0) this.onAllSocketsClosed?.()
    })
    // grpc-js copies remoteAddress into call.getPeer(); the client cannot influence it.
    Object.defineProperty(socket, 'remoteAddress', {value: id, configurable: true})
    Object.defineProperty(socket, 'remotePort', {value: undefined, configurable: true})
    return socket
  }

  private async attest(socket: Socket): Promise<WorkloadCaller> {
    if (this.peerCred === undefined || this.attestor === undefined) return UNATTESTED
    let attrs: WorkloadAttrs | undefined
    try {
      attrs = await this.attestor.attest(this.peerCred(socket))
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

  private callerOf(call: {getPeer(): string}): Promise<WorkloadCaller> {
    return this.callers.get(call.getPeer()) ?? Promise.resolve(UNATTESTED)
  }

  private implementation(): Grpc.UntypedServiceImplementation {
    const source = this.options.source
    return {
      FetchX509SVID: this.streamHandler('x509-svid'),
      FetchX509Bundles: this.streamHandler('x509-bundles'),
      FetchJWTBundles: this.streamHandler('jwt-bundles'),
      FetchJWTSVID: this.unaryHandler<JwtSvidRequest>('FetchJWTSVID', async (request, call) =>
        fetchJwtSvid(source, await this.callerOf(call), request)),
      ValidateJWTSVID: this.unaryHandler<ValidateJwtSvidRequest>('ValidateJWTSVID', async (request) =>
        validateJwtSvid(source.bundles(), request, this.now())),
      FetchWITSVID: (call: ServerStream) => this.failCall(call, 'FetchWITSVID', () => witNotImplemented('FetchWITSVID')),
      FetchWITBundles: (call: ServerStream) =>
        this.failCall(call, 'FetchWITBundles', () => witNotImplemented('FetchWITBundles')),
    }
  }

  private unaryHandler<Req>(method: string, handle: (request: Req, call: UnaryCall<Req>) => Promise<object>) {
    return (call: UnaryCall<Req>, callback: Grpc.sendUnaryData<unknown>): void => {
      const run = async (): Promise<object> => {
        checkSecurityHeader(call.metadata.get(SECURITY_HEADER))
        return handle(call.request, call)
      }
      run().then((reply) => callback(null, reply), (err: unknown) => callback(this.statusFor(method, err)))
    }
  }

  private streamHandler(kind: StreamKind) {
    return (call: ServerStream): void => {
      try {
        checkSecurityHeader(call.metadata.get(SECURITY_HEADER))
      } catch (err) {
        this.endWithError(call, kind, err)
        return
      }
      void this.callerOf(call).then((caller) => {
        if (call.cancelled) return
        if (this.closing !== undefined) {
          this.endWithError(call, kind, new ConnectionProblemError('workload API server is shutting down'))
          return
        }
        const detach = this.hub.open(kind, caller, {
          write: (message) => call.write(message),
          fail: (err) => {
            this.openStreams.delete(call)
            this.endWithError(call, kind, err)
          },
        })
        this.openStreams.set(call, detach)
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
    await this.socketsClosed(graceMs)
    injector.destroy()
    for (const socket of this.sockets) socket.destroy()
    this.grpcServer.forceShutdown()
    await listenerClosed
    await removeSocketFile(this.address)
    this.log.info('Shut down Workload API endpoint')
  }

  /** Resolves when every connection has closed, or after graceMs. */
  private socketsClosed(graceMs: number): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, graceMs)
      this.onAllSocketsClosed = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }
}

/** The factory tbot's service calls (see WorkloadApiServerOptions). */
export function startWorkloadApiServer(options: WorkloadApiServerOptions): Promise<RunningWorkloadApiServer> {
  return WorkloadApiServer.start(options)
}
