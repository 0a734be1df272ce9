/**
 * The plain-HTTP listener both diagnostics servers use (tbot's diag_addr, the server's
 * teleport.diag_addr): GET routes by exact path or prefix, JSON or text answers, and the Prometheus
 * exposition of a registry. Plain HTTP as Teleport's: bind it to loopback.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Registry} from 'prom-client'
import {ConnectionProblemError} from '../errors.js'
import {formatHostPort, parseHostPort} from '../net/addr.js'

export interface DiagAnswer {
  readonly status: number
  /** JSON-encoded (indented, as Go's json.MarshalIndent) unless a string. */
  readonly body: unknown
  readonly contentType?: string
}

/** A route's answer; `signal` aborts when the client goes away (for the long-polling /wait). */
export type DiagRoute = (rest: string, signal: AbortSignal) => DiagAnswer | Promise<DiagAnswer>

export interface RunningDiagServer {
  /** `http://host:port` actually bound. */
  readonly url: string
  close(): Promise<void>
}

/** Routes keyed by path; a key ending in `/` also takes what follows (`/readyz/` → the service name). */
export async function startDiagServer(addr: string, routes: Readonly<Record<string, DiagRoute>>): Promise<RunningDiagServer> {
  // Port 0 (a free port, reported in the log) is for tests; parseHostPort takes only real ports.
  const {host, port} = parseHostPort(addr.replace(/:0$/, ''), 0)
  const server = createServer((req, res) => void answer(req, res, routes))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConnectionProblemError(`diagnostics: cannot listen on ${addr}: ${err.message}`, {cause: err})))
    server.listen(port, host, resolve)
  })
  server.unref()
  const bound = server.address() as {address: string; port: number}
  return {url: `http://${formatHostPort({host: bound.address, port: bound.port})}`, close: () => closeServer(server)}
}

async function answer(req: IncomingMessage, res: ServerResponse, routes: Readonly<Record<string, DiagRoute>>): Promise<void> {
  const gone = new AbortController()
  res.once('close', () => gone.abort())
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/'
  let reply: DiagAnswer
  try {
    const found = findRoute(path, routes)
    if (req.method !== 'GET' && req.method !== 'HEAD') reply = {status: 405, body: {error: 'Method not allowed.'}}
    else reply = found === undefined ? {status: 404, body: {error: `No route for ${path}.`}} : await found.route(found.rest, gone.signal)
  } catch (err) {
    reply = {status: 500, body: {error: err instanceof Error ? err.message : String(err)}}
  }
  if (res.destroyed) return
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body, null, 2)
  res.writeHead(reply.status, {'content-type': reply.contentType ?? 'application/json', 'cache-control': 'no-store'})
  res.end(req.method === 'HEAD' ? undefined : text)
}

function findRoute(path: string, routes: Readonly<Record<string, DiagRoute>>): {route: DiagRoute; rest: string} | undefined {
  const exact = routes[path]
  if (exact !== undefined) return {route: exact, rest: ''}
  for (const [key, route] of Object.entries(routes)) {
    if (key.endsWith('/') && path.startsWith(key) && path.length > key.length) return {route, rest: decodeURIComponent(path.slice(key.length))}
  }
  return undefined
}

/** `/metrics`: the registry in Prometheus text format. */
export function metricsRoute(registry: Registry): DiagRoute {
  return async () => ({status: 200, body: await registry.metrics(), contentType: registry.contentType})
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
