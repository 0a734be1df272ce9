/**
 * Who is calling the API, from the client certificate TLS has already verified against the
 * cluster's TLS CA (peer.ts): an admin (identity file from `tctl auth sign`) or a bot (its joined
 * and renewed identity). Anything else signed by that CA (the server's own certificate) is refused.
 * Routes then say which kinds they serve; a bot can never reach an admin route.
 */
import type {CaMaterial} from '../ca/ca-material.js'
import {parseClientIdentity} from '../ca/client-identity.js'
import {verifyBotCertificate} from '../authority/bot-identity.js'
import type {Caller} from '../authority/caller.js'
import {isAdminIdentity} from '../backend/admin-identity.js'
import {AccessDeniedError, UnauthenticatedError, isSvidkitError} from '../errors.js'
import type {Authenticate} from './peer.js'
import type {AuthenticatedRequest, Route} from './router.js'

export type AdminCaller = Caller & {readonly kind: 'admin'}
/** A bot, with the certificate it presented (renewal needs it). */
export type BotCaller = Caller & {readonly kind: 'bot'; readonly certDer: Buffer}
export type ApiCaller = AdminCaller | BotCaller

export function authenticateCaller(ca: CaMaterial, now: () => Date): Authenticate<ApiCaller> {
  return ({certificate}) => {
    const der = certificate.raw
    let identity
    try {
      identity = parseClientIdentity(der)
    } catch (err) {
      throw new UnauthenticatedError(`client certificate rejected: ${isSvidkitError(err) ? err.message : 'unreadable'}`)
    }
    if (identity.botName !== undefined) {
      try {
        return {...verifyBotCertificate(ca, der, now()), certDer: der}
      } catch (err) {
        throw new UnauthenticatedError(`client certificate rejected: ${(err as Error).message}`)
      }
    }
    if (isAdminIdentity(identity)) return {kind: 'admin', name: identity.userName}
    throw new UnauthenticatedError('client certificate rejected: it is neither an admin nor a bot identity')
  }
}

/** One log token per caller: the user name, `bot-<name>` for bots. Never a secret. */
export function describeCaller(caller: ApiCaller): string {
  return caller.kind === 'admin' ? caller.name : `bot-${caller.botName}`
}

type Handler<C> = (req: AuthenticatedRequest<ApiCaller> & {readonly caller: C}) => unknown

function guarded<C extends ApiCaller>(
  method: Route<ApiCaller>['method'], path: string, accepts: (c: ApiCaller) => c is C, refusal: string, handler: Handler<C>,
  redactParams?: readonly string[],
): Route<ApiCaller> {
  return {
    method, path, auth: 'required', ...(redactParams ? {redactParams} : {}),
    handler: (req) => {
      if (!accepts(req.caller)) throw new AccessDeniedError(refusal)
      return handler(req as AuthenticatedRequest<ApiCaller> & {readonly caller: C})
    },
  }
}

const isAdmin = (c: ApiCaller): c is AdminCaller => c.kind === 'admin'
const isBot = (c: ApiCaller): c is BotCaller => c.kind === 'bot'
const isAny = (c: ApiCaller): c is ApiCaller => c.kind === 'admin' || c.kind === 'bot'

/** A route for admin identities only; bots get 403. */
export function adminRoute(method: Route<ApiCaller>['method'], path: string, handler: Handler<AdminCaller>, redactParams?: readonly string[]): Route<ApiCaller> {
  return guarded(method, path, isAdmin, 'access denied: this operation needs an admin identity', handler, redactParams)
}

export function botRoute(method: Route<ApiCaller>['method'], path: string, handler: Handler<BotCaller>): Route<ApiCaller> {
  return guarded(method, path, isBot, 'access denied: this operation needs a bot identity', handler)
}

/** Issuance: admins and bots alike; the Authority decides what each may have. */
export function issuerRoute(method: Route<ApiCaller>['method'], path: string, handler: Handler<ApiCaller>): Route<ApiCaller> {
  return guarded(method, path, isAny, 'access denied', handler)
}
