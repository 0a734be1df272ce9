/**
 * The JSON client tctl and tbot use to call the server (undici 7, imported on first use).
 *
 * Trust, one of: the cluster CA (PEM); CA pins (`sha256:...`, checked on the handshake before any byte
 * of a request is sent, pin.ts); or `insecure` (nothing checked, with a loud warning). Identity: a
 * client certificate and key for mutual TLS, or none (joining and public endpoints).
 * The server's `{"error": {"code", "message"}}` comes back as the same typed error (errorFromCode);
 * failing to reach the server is a ConnectionProblemError naming the address.
 */
import type {TLSSocket} from 'node:tls'
import type {Client, Dispatcher, buildConnector} from 'undici'
import {ConnectionProblemError, errorFromCode, isSvidkitError} from '../errors.js'
import {readWireError} from '../wire/errors.js'
import {parseCaPin, verifyPinnedSocket} from './pin.js'

export type ServerTrust =
  | {readonly kind: 'ca'; readonly caPem: string | readonly string[]}
  | {readonly kind: 'pin'; readonly pins: readonly string[]}
  | {readonly kind: 'insecure'}

export interface ClientIdentity {
  readonly certPem: string
  readonly keyPem: string
}

export interface HttpsClientOptions {
  /** `https://host:port` of the server. */
  readonly url: string
  readonly trust: ServerTrust
  readonly identity?: ClientIdentity
  /** The name to send as SNI and to check the server certificate against; the URL's host by default. */
  readonly serverName?: string
  /** Per request: for the response headers, and between body chunks. */
  readonly timeoutMs?: number
  readonly connectTimeoutMs?: number
  /** Where the insecure-mode warning goes; stderr by default. */
  readonly warn?: (message: string) => void
  readonly now?: () => Date
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const INSECURE_WARNING =
  'WARNING: insecure mode: the server certificate is NOT verified. Anyone on the network path can impersonate the cluster. Never use this in production.'

export class HttpsJsonClient {
  private constructor(
    private readonly client: Client,
    readonly origin: string,
  ) {}

  static async create(options: HttpsClientOptions): Promise<HttpsJsonClient> {
    const url = parseServerUrl(options.url)
    const undici = await import('undici')
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const connect = connector(undici.buildConnector, options, url)
    if (options.trust.kind === 'insecure') (options.warn ?? ((m) => void process.stderr.write(m + '\n')))(INSECURE_WARNING)
    const client = new undici.Client(url.origin, {connect, headersTimeout: timeout, bodyTimeout: timeout})
    return new HttpsJsonClient(client, url.origin)
  }

  get(path: string, options?: {signal?: AbortSignal}): Promise<unknown> {
    return this.request('GET', path, undefined, options)
  }

  post(path: string, body?: unknown, options?: {signal?: AbortSignal}): Promise<unknown> {
    return this.request('POST', path, body, options)
  }

  put(path: string, body?: unknown, options?: {signal?: AbortSignal}): Promise<unknown> {
    return this.request('PUT', path, body, options)
  }

  delete(path: string, options?: {signal?: AbortSignal}): Promise<unknown> {
    return this.request('DELETE', path, undefined, options)
  }

  /** One call: the parsed JSON response (undefined for an empty one), or a typed error. */
  async request(method: HttpMethod, path: string, body?: unknown, options: {signal?: AbortSignal} = {}): Promise<unknown> {
    const where = `${method} ${this.origin}${path}`
    let response: Dispatcher.ResponseData
    try {
      response = await this.client.request({
        method,
        path,
        headers: {accept: 'application/json', ...(body === undefined ? {} : {'content-type': 'application/json'})},
        ...(body === undefined ? {} : {body: JSON.stringify(body)}),
        ...(options.signal === undefined ? {} : {signal: options.signal}),
      })
    } catch (err) {
      throw connectionProblem(this.origin, err)
    }
    let text: string
    try {
      text = await response.body.text()
    } catch (err) {
      throw connectionProblem(this.origin, err)
    }
    return interpretResponse(where, response.statusCode, text)
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}

/** Status + body → value or typed error. Exported for tests. */
export function interpretResponse(where: string, status: number, text: string): unknown {
  let value: unknown
  try {
    value = text === '' ? undefined : (JSON.parse(text) as unknown)
  } catch {
    throw new ConnectionProblemError(`${where}: HTTP ${status} with a body that is not JSON; is this the cluster's address?`)
  }
  if (status >= 200 && status < 300) return value
  const wire = readWireError(value)
  if (wire !== undefined) throw errorFromCode(wire.code, wire.message)
  throw new ConnectionProblemError(`${where}: unexpected HTTP ${status} response; is this the cluster's address?`)
}

function parseServerUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TypeError(`not a URL: "${text}"`)
  }
  if (url.protocol !== 'https:') throw new TypeError(`the server URL must be https://, got "${text}"`)
  return url
}

function connector(build: typeof buildConnector, options: HttpsClientOptions, url: URL): buildConnector.connector {
  const identity = options.identity === undefined ? {} : {cert: options.identity.certPem, key: options.identity.keyPem}
  const base = {...identity, timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, ...(options.serverName === undefined ? {} : {servername: options.serverName})}
  const trust = options.trust
  if (trust.kind === 'ca') {
    return build({...base, ca: typeof trust.caPem === 'string' ? trust.caPem : [...trust.caPem], rejectUnauthorized: true})
  }
  if (trust.kind === 'insecure') return build({...base, rejectUnauthorized: false})
  const pins = trust.pins.map(parseCaPin)
  if (pins.length === 0) throw new TypeError('pin trust needs at least one pin')
  // The chain is checked against the pins below instead of a CA; no resumed sessions, so every
  // connection is a full handshake with a certificate to check.
  const unverified = build({...base, rejectUnauthorized: false, maxCachedSessions: 0})
  const serverName = options.serverName ?? url.hostname.replace(/^\[(.*)\]$/, '$1')
  const now = options.now ?? (() => new Date())
  return (connectOptions, callback) => {
    unverified(connectOptions, (err, socket) => {
      if (err !== null) return callback(err, null)
      try {
        verifyPinnedSocket(socket as TLSSocket, {pins, serverName, where: url.origin, now: now()})
      } catch (problem) {
        socket.destroy()
        return callback(problem as Error, null)
      }
      callback(null, socket)
    })
  }
}

/** Anything that kept us from a response, as one error that names the address. */
function connectionProblem(origin: string, err: unknown): Error {
  if (isSvidkitError(err)) return err
  if (err instanceof Error && err.name === 'AbortError') return err
  const code = (err as {code?: unknown}).code
  const detail = err instanceof Error ? err.message : String(err)
  const reason = typeof code === 'string' && !detail.includes(code) ? `${detail} (${code})` : detail
  return new ConnectionProblemError(`cannot reach the server at ${origin}: ${reason}`, {cause: err})
}
