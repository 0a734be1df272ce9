/**
 * The route table: method + path pattern → handler returning JSON. Patterns are literal segments and
 * `:name` parameters (`/v1/bots/:name`). Pure: no sockets here.
 */
import type {IncomingHttpHeaders} from 'node:http'
import {BadParameterError, SvidkitError} from '../errors.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** What a handler sees. `caller` is the identity from the client certificate, when there is one. */
export interface RouteRequest<C> {
  readonly method: HttpMethod
  /** The path without the query string. */
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown
  readonly caller: C | undefined
  readonly remoteAddress: string | undefined
  /** Aborted when the client goes away or the server's shutdown deadline passes. */
  readonly signal: AbortSignal
}

export type AuthenticatedRequest<C> = RouteRequest<C> & {readonly caller: C}

/** A handler's result: a JSON value (sent as 200; undefined → 204), or a Reply for another status. */
export type HandlerResult = unknown

interface RouteBase {
  readonly method: HttpMethod
  readonly path: string
  /** Path parameters never to be logged in clear (a join token's name is its secret). */
  readonly redactParams?: readonly string[]
}

/**
 * `auth: 'none'`: public, client certificates are ignored. `'optional'`: a valid client certificate
 * becomes `caller`, an invalid one is refused (401), none is anonymous. `'required'`: 401 without one.
 */
export type Route<C> =
  | (RouteBase & {readonly auth: 'required'; readonly handler: (req: AuthenticatedRequest<C>) => HandlerResult | Promise<HandlerResult>})
  | (RouteBase & {readonly auth: 'none' | 'optional'; readonly handler: (req: RouteRequest<C>) => HandlerResult | Promise<HandlerResult>})

/** A response with a chosen status and extra headers; the body is still JSON. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

export function reply(body: unknown, options: {status?: number; headers?: Readonly<Record<string, string>>} = {}): Reply {
  return new Reply(options.status ?? 200, body, options.headers ?? {})
}

interface CompiledRoute<C> {
  readonly route: Route<C>
  readonly segments: readonly string[]
}

export type RouteMatch<C> =
  | {readonly kind: 'found'; readonly route: Route<C>; readonly params: Readonly<Record<string, string>>}
  | {readonly kind: 'method-not-allowed'; readonly allowed: readonly HttpMethod[]}
  | {readonly kind: 'not-found'}

export class Router<C> {
  private readonly compiled: CompiledRoute<C>[]

  constructor(routes: readonly Route<C>[]) {
    const seen = new Set<string>()
    this.compiled = routes.map((route) => {
      if (!route.path.startsWith('/')) throw new TypeError(`route path must start with /: ${route.path}`)
      const segments = route.path.split('/').slice(1)
      const shape = `${route.method} /${segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/')}`
      if (seen.has(shape)) throw new TypeError(`duplicate route ${route.method} ${route.path}`)
      seen.add(shape)
      return {route, segments}
    })
  }

  get routes(): readonly Route<C>[] {
    return this.compiled.map((c) => c.route)
  }

  match(method: string, path: string): RouteMatch<C> {
    const segments = path.split('/').slice(1)
    const allowed: HttpMethod[] = []
    for (const candidate of this.compiled) {
      const params = matchSegments(candidate.segments, segments)
      if (params === undefined) continue
      if (candidate.route.method === method) return {kind: 'found', route: candidate.route, params}
      allowed.push(candidate.route.method)
    }
    return allowed.length > 0 ? {kind: 'method-not-allowed', allowed} : {kind: 'not-found'}
  }
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!
    const got = actual[i]!
    if (want.startsWith(':')) {
      if (got === '') return undefined
      params[want.slice(1)] = decodeSegment(got)
    } else if (want !== got) {
      return undefined
    }
  }
  return params
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new BadParameterError(`malformed percent-encoding in path segment "${segment}"`)
  }
}

/** A path matched a route, but not with this method. */
export class MethodNotAllowedError extends SvidkitError {
  constructor(method: string, path: string, readonly allowed: readonly HttpMethod[]) {
    super('BAD_PARAMETER', `method ${method} is not allowed on ${path}`)
  }

  override get status(): number {
    return 405
  }
}

/**
 * The path as logged: parameters a route marks secret print as [REDACTED] (a join token's name is its
 * secret, Teleport's tool/tctl/common/bots_command.go and api/types/provisioning.go); unmatched paths are cut short, they are arbitrary client input.
 */
export function loggablePath(path: string, route: {readonly path: string; readonly redactParams?: readonly string[]} | undefined): string {
  if (route === undefined) return path.length > 120 ? `${path.slice(0, 120)}…` : path
  const secret = new Set((route.redactParams ?? []).map((p) => `:${p}`))
  if (secret.size === 0) return path
  const patternSegments = route.path.split('/')
  return path.split('/').map((segment, i) => (secret.has(patternSegments[i] ?? '') ? '[REDACTED]' : segment)).join('/')
}
