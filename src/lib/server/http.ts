/**
 * The HTTPS server core: a route table of JSON handlers behind TLS with optional client certificates.
 *
 * node:https (HTTP/1.1), not node:http2: our clients are undici, tctl and tbot making a few calls each,
 * so multiplexing buys nothing; HTTP/1.1 has Node's built-in slow-client limits (headersTimeout,
 * requestTimeout, handshakeTimeout, connectionsCheckingInterval) and a simple per-request socket for the
 * peer certificate. http2's compatibility layer applies those limits differently per stream.
 */
import {createServer, type Server} from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import type {TLSSocket} from 'node:tls'
import {performance} from 'node:perf_hooks'
import {NotFoundError} from '../errors.js'
import {discardLogger, type Logger} from '../log.js'
import {errorResponse} from '../wire/errors.js'
import {resolveCaller, type Authenticate} from './peer.js'
import {readJsonBody} from './request-body.js'
import {loggablePath, MethodNotAllowedError, Reply, Router, type Route, type RouteRequest} from './router.js'
import {formatHostPort} from '../net/addr.js'
import {serverRequest} from '../metrics/server.js'

export interface ServerTls {
  /** PEM: the leaf, then intermediates to present. */
  readonly cert: string
  readonly key: string
  /** PEM CA certificates that client certificates must chain to. Without them no client is asked for one. */
  readonly clientCas?: string | readonly string[]
}

export interface HttpLimits {
  readonly maxBodyBytes: number
  readonly handshakeTimeoutMs: number
  readonly headersTimeoutMs: number
  /** The whole request, headers and body, must arrive within this (Node's requestTimeout). */
  readonly requestTimeoutMs: number
  /** The body must arrive within this once the headers are in. */
  readonly bodyTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  /** A socket with no traffic at all for this long is destroyed. */
  readonly idleTimeoutMs: number
  /** How often Node checks the header and request deadlines (their resolution). */
  readonly connectionsCheckingIntervalMs: number
  readonly shutdownDeadlineMs: number
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxBodyBytes: 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  connectionsCheckingIntervalMs: 1_000,
  shutdownDeadlineMs: 10_000,
}

export interface HttpServerOptions<C> {
  readonly tls: ServerTls
  readonly routes: readonly Route<C>[]
  /** Required when a route's auth is not 'none'. */
  readonly authenticate?: Authenticate<C>
  /** The caller as one log token (a user or bot name). Never a secret. */
  readonly describeCaller?: (caller: C) => string
  readonly logger?: Logger
  readonly limits?: Partial<HttpLimits>
}

interface LogEntry {
  method: string
  path: string
  /** The matched route's pattern, for metrics. */
  route?: string
  caller: string
}

export class HttpServer<C> {
  private readonly server: Server
  private readonly router: Router<C>
  private readonly limits: HttpLimits
  private readonly logger: Logger
  private readonly sockets = new Set<Socket>()
  private readonly shutdown = new AbortController()
  private closing: Promise<void> | undefined

  constructor(private readonly options: HttpServerOptions<C>) {
    this.router = new Router(options.routes)
    this.limits = {...DEFAULT_LIMITS, ...options.limits}
    this.logger = options.logger ?? discardLogger
    const needsCallers = options.routes.some((r) => r.auth !== 'none')
    if (needsCallers && (options.authenticate === undefined || options.tls.clientCas === undefined)) {
      throw new TypeError('routes that take a caller need both tls.clientCas and authenticate')
    }
    const l = this.limits
    this.server = createServer({
      ...secureContextOptions(options.tls),
      // Ask for a certificate but never fail the handshake over it: public routes serve anyone (peer.ts).
      requestCert: options.tls.clientCas !== undefined,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      handshakeTimeout: l.handshakeTimeoutMs,
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      connectionsCheckingInterval: l.connectionsCheckingIntervalMs,
    })
    this.server.setTimeout(l.idleTimeoutMs)
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    // A connection's client certificate is checked once (peer.ts caches the caller per socket), so it
    // must not change under it: no renegotiation (TLS 1.2; TLS 1.3 has none).
    this.server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation())
    this.server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.logger.debug('TLS handshake failed', {error: err.message, remote_addr: socket.remoteAddress})
    })
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.error('request handling failed', {error: err instanceof Error ? err.message : String(err)})
        res.destroy()
      })
    })
  }

  /** Listen; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.removeListener('error', reject)
        resolve(this.address())
      })
    })
  }

  address(): AddressInfo {
    const addr = this.server.address()
    if (addr === null || typeof addr === 'string') throw new TypeError('the server is not listening on TCP')
    return addr
  }

  /** `https://host:port` of the bound address. */
  url(): string {
    const {address, port} = this.address()
    return `https://${formatHostPort({host: address, port})}`
  }

  /** Swap the certificate, key or client CAs for new connections (CA rotation). */
  setTls(tls: ServerTls): void {
    this.server.setSecureContext(secureContextOptions(tls))
  }

  /**
   * Stop accepting, let in-flight requests finish (their responses close the connection), and at the
   * deadline abort handlers and destroy whatever is still open.
   */
  close(deadlineMs = this.limits.shutdownDeadlineMs): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.shutdown.abort()
        for (const socket of this.sockets) socket.destroy()
      }, deadlineMs)
      this.server.close(() => {
        clearTimeout(timer)
        resolve()
      })
      this.server.closeIdleConnections()
    })
    return this.closing
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const method = req.method ?? 'GET'
    const [path = '/', search = ''] = (req.url ?? '/').split('?', 2)
    const entry: LogEntry = {method, path: loggablePath(path, undefined), caller: '-'}
    res.once('close', () => this.logRequest(entry, req, res, started))
    try {
      const match = this.router.match(method, path)
      if (match.kind === 'not-found') throw new NotFoundError(`no route for ${method} ${entry.path}`)
      if (match.kind === 'method-not-allowed') throw new MethodNotAllowedError(method, entry.path, match.allowed)
      entry.path = loggablePath(path, match.route)
      entry.route = match.route.path
      const caller = await resolveCaller(req.socket as TLSSocket, match.route.auth, this.options.authenticate)
      if (caller !== undefined) entry.caller = this.describe(caller)
      const body = await readJsonBody(req, this.limits)
      const shutdown = this.shutdown.signal
      let signal: AbortSignal | undefined
      const request: RouteRequest<C> = {
        method: match.route.method, path, params: match.params, query: new URLSearchParams(search), headers: req.headers,
        body, caller, remoteAddress: req.socket.remoteAddress,
        // Made on first use: most handlers never look, and an abort per request costs (a DOMException each).
        get signal() {
          return (signal ??= requestSignal(res, shutdown))
        },
      }
      // The router guarantees a caller for 'required' routes (resolveCaller throws otherwise).
      const result = await (match.route.handler as (r: RouteRequest<C>) => unknown)(request)
      this.send(req, res, result instanceof Reply ? result : new Reply(result === undefined ? 204 : 200, result))
    } catch (err) {
      this.sendError(req, res, err, entry)
    }
  }

  private describe(caller: C): string {
    if (this.options.describeCaller !== undefined) return this.options.describeCaller(caller)
    return 'authenticated'
  }

  private send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return
    const headers: Record<string, string> = {'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...reply.headers}
    // A response sent before the body was read, or during shutdown, closes the connection.
    if (!req.complete || this.closing !== undefined) headers.connection = 'close'
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, headers).end()
      return
    }
    const payload = Buffer.from(JSON.stringify(reply.body), 'utf8')
    res.writeHead(reply.status, {'content-type': 'application/json', 'content-length': String(payload.length), ...headers}).end(payload)
  }

  private sendError(req: IncomingMessage, res: ServerResponse, err: unknown, entry: LogEntry): void {
    const {status, body} = errorResponse(err)
    if (status >= 500) {
      this.logger.error('request failed', {method: entry.method, path: entry.path, error: err instanceof Error ? err.message : String(err)})
      if (err instanceof Error && err.stack !== undefined) this.logger.debug('request failure stack', {stack: err.stack})
    }
    const headers = err instanceof MethodNotAllowedError ? {allow: err.allowed.join(', ')} : undefined
    if (res.headersSent) return void res.destroy()
    this.send(req, res, new Reply(status, body, headers))
  }

  private logRequest(entry: LogEntry, req: IncomingMessage, res: ServerResponse, started: number): void {
    serverRequest(entry.method, entry.route ?? 'unmatched', res.headersSent ? res.statusCode : 0, (performance.now() - started) / 1000)
    this.logger.info('request', {
      method: entry.method,
      path: entry.path,
      status: res.headersSent ? res.statusCode : 0,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      caller: entry.caller,
      remote_addr: req.socket.remoteAddress,
      ...(res.writableFinished ? {} : {aborted: true}),
    })
  }
}

/** Aborted when the client goes away (the response closes) or at the shutdown deadline. */
function requestSignal(res: ServerResponse, shutdown: AbortSignal): AbortSignal {
  const clientGone = new AbortController()
  if (res.closed) clientGone.abort()
  else res.once('close', () => clientGone.abort())
  return AbortSignal.any([clientGone.signal, shutdown])
}

function secureContextOptions(tls: ServerTls): {cert: string; key: string; ca?: string[]} {
  const ca = tls.clientCas === undefined ? undefined : typeof tls.clientCas === 'string' ? [tls.clientCas] : [...tls.clientCas]
  return {cert: tls.cert, key: tls.key, ...(ca === undefined ? {} : {ca})}
}
