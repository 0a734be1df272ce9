/**
 * A JWT-SVID bearer check for HTTP servers (JWT-SVID.md §4 "Validation"; RFC 6750 §2.1 for the
 * `Authorization: Bearer` form and §3 for the challenge): the token is validated with
 * JwtSvid.parseAndValidate against the bundle of its own trust domain from a JwtBundleSource
 * (JwtSource, WorkloadBundleSource, a BundleSet) for the expected audience, then authorized.
 */
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Http2ServerRequest, Http2ServerResponse} from 'node:http2'
import {UnauthenticatedError, isSvidkitError} from '../errors.js'
import type {JwtBundleSource} from '../spiffe/bundle.js'
import {JwtSvid} from '../spiffe/jwt-svid.js'
import {runAuthorizer, type Authorizer} from './authorizer.js'

/** What a bearer JWT-SVID must carry to be accepted. */
export interface JwtBearerOptions {
  /** The audience the token must carry (this service). */
  readonly audience: string | readonly string[]
  /** Who may call; default any SPIFFE ID the bundles verify. */
  readonly authorizer?: Authorizer
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/

/**
 * The caller's validated JWT-SVID from `Authorization: Bearer …`; throws UnauthenticatedError
 * (missing or invalid token) or AccessDeniedError (the authorizer).
 *
 * @example
 * ```ts
 * import {JwtSource, verifyJwtBearer} from 'svidkit'
 * const jwt = await JwtSource.create()
 * // inside a request handler:
 * const svid = await verifyJwtBearer(req, jwt, {audience: 'spiffe://example.org/api'})
 * console.log('caller', svid.id.toString())
 * ```
 */
export async function verifyJwtBearer(req: IncomingMessage | Http2ServerRequest, source: JwtBundleSource, options: JwtBearerOptions): Promise<JwtSvid> {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null
  if (match === null) throw new UnauthenticatedError('jwtsvid: missing bearer token')
  const audience = typeof options.audience === 'string' ? [options.audience] : options.audience
  const svid = await JwtSvid.parseAndValidate(match[1]!, source, audience)
  if (options.authorizer !== undefined) runAuthorizer(options.authorizer, svid.id, [])
  return svid
}

/**
 * verifyJwtBearer as a gate: resolves with the JWT-SVID, or answers 401 (invalid or missing token,
 * with a `WWW-Authenticate: Bearer` challenge) or 403 (not authorized) and resolves undefined.
 *
 * @example
 * ```ts
 * import http from 'node:http'
 * import {JwtSource, authorizeID, jwtBearerGate} from 'svidkit'
 * const gate = jwtBearerGate(await JwtSource.create(), {audience: 'api', authorizer: authorizeID('spiffe://example.org/web')})
 * http.createServer(async (req, res) => {
 *   const caller = await gate(req, res)
 *   if (caller !== undefined) res.end(`hello ${caller.id.toString()}\n`)
 * }).listen(8080)
 * ```
 */
export function jwtBearerGate(source: JwtBundleSource, options: JwtBearerOptions) {
  return async (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): Promise<JwtSvid | undefined> => {
    try {
      return await verifyJwtBearer(req, source, options)
    } catch (err) {
      const denied = isSvidkitError(err) && err.code === 'ACCESS_DENIED'
      const headers: Record<string, string> = {'content-type': 'text/plain; charset=utf-8'}
      if (!denied) headers['www-authenticate'] = 'Bearer error="invalid_token"'
      res.writeHead(denied ? 403 : 401, headers)
      res.end(`${denied ? 'forbidden' : 'unauthorized'}: ${(err as Error).message}\n`)
      return undefined
    }
  }
}
