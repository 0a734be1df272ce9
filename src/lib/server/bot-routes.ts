/**
 * The bot API (api/paths.ts): join with the single-use token, a delegated method's platform
 * credential or a signed bound_keypair challenge (no client certificate: that is the credential; join/index.ts), renew over mutual TLS, and issue SVIDs. Issuance runs the Authority with the
 * caller from the verified certificate, so a bot gets exactly what its roles allow and an admin
 * what the identities' own rules allow (authority/caller.ts).
 */
import {createPublicKey, type KeyObject} from 'node:crypto'
import {joinBot, renewBot, type BotCertificate} from '../authority/bot-identity.js'
import type {Authority} from '../authority/authority.js'
import {trustBundleWithFederation} from '../federation/federated-trust.js'
import {encodeBotIdentity, parseJoinRequest, parseRenewRequest} from '../wire/bot-identity.js'
import {encodeJwtCredentials, encodeTrustBundle, encodeX509Credentials, parseJwtRequest, parseX509Request} from '../wire/issue.js'
import {API} from '../wire/paths.js'
import {encodeChallengeResponse, parseChallengeRequest} from '../wire/bound-keypair.js'
import {boundKeypairChallenge} from '../join/index.js'
import {ChallengeBook} from '../join/challenge-book.js'
import {BadParameterError} from '../errors.js'
import type {ResourceStore} from '../storage/resource-store.js'
import type {JoinMethod} from '../resources/types.js'
import type {BotJoinEvent} from '../authority/audit-line.js'
import {botRoute, issuerRoute, type ApiCaller} from './callers.js'
import type {Route} from './router.js'
import {recordJoin, serverSvidsIssued} from '../metrics/server.js'

export interface BotRouteDeps {
  readonly authority: Authority
  readonly store: ResourceStore
  readonly now: () => Date
}

function identityReply(authority: Authority, cert: BotCertificate): unknown {
  return encodeBotIdentity({
    certDer: cert.certDer, caDers: [authority.ca.botCa.certDer], botName: cert.botName, roles: cert.roles, expiresAt: cert.expiresAt,
  })
}

export function botRoutes({authority, store, now}: BotRouteDeps): Route<ApiCaller>[] {
  // The bot CA does not rotate (authority/rotation-phases.ts: ROTATABLE_CA_TYPES); the SPIFFE bundle is read per request.
  const ca = authority.ca
  // bound_keypair challenges live in this process between the two requests (join/challenge-book.ts).
  const book = new ChallengeBook()
  return [
    {
      method: 'POST', path: API.botJoinChallenge, auth: 'none',
      handler: async ({body}) => {
        const {token} = parseChallengeRequest(body)
        const c = await boundKeypairChallenge(store, token, book, {clusterName: ca.clusterName, now: now()})
        return encodeChallengeResponse({nonce: c.nonce, document: c.document, rotate: c.rotate})
      },
    },
    {
      method: 'POST', path: API.botJoin, auth: 'none',
      handler: async ({body}) => {
        const r = parseJoinRequest(body)
        // Checked before joinBot spends the token: a malformed request must not burn it.
        const publicKey = publicKeyFrom(r.publicKeyDer)
        const request = {
          method: (r.joinMethod ?? 'token') as JoinMethod, token: r.token, ...(r.idToken !== undefined ? {idToken: r.idToken} : {}),
          ...(r.boundKeypair !== undefined ? {boundKeypair: {answer: r.boundKeypair, book}} : {}),
          ...(r.currentIdentityDer !== undefined ? {currentIdentityDer: r.currentIdentityDer} : {}),
        }
        const deps = {ca, store, now, audit: (e: BotJoinEvent) => authority.recordBotJoin(e)}
        return identityReply(authority, await recordJoin(request.method, joinBot(deps, request, publicKey, r.ttlMs)))
      },
    },
    botRoute('POST', API.botRenew, async ({body, caller}) => {
      const r = parseRenewRequest(body)
      return identityReply(authority, await renewBot(ca, store, caller.certDer, publicKeyFrom(r.publicKeyDer), r.ttlMs, now))
    }),
    issuerRoute('POST', API.x509Svids, async ({body, caller}) => {
      const r = parseX509Request(body)
      const creds = await authority.issueX509Svids({
        caller: callerOf(caller), selector: r.selector, publicKey: r.publicKeyDer, ttlMs: r.ttlMs, ...attrs(r.workloadAttrs),
      })
      serverSvidsIssued('x509', creds.length)
      return encodeX509Credentials(creds)
    }),
    issuerRoute('POST', API.jwtSvids, async ({body, caller}) => {
      const r = parseJwtRequest(body)
      const creds = await authority.issueJwtSvids({
        caller: callerOf(caller), selector: r.selector, audiences: r.audiences, ttlMs: r.ttlMs, ...attrs(r.workloadAttrs),
      })
      serverSvidsIssued('jwt', creds.length)
      return encodeJwtCredentials(creds)
    }),
    issuerRoute('GET', API.trustBundle, async () => encodeTrustBundle(await trustBundleWithFederation(await authority.trustBundle(), store))),
  ]
}

/** A bot's identity key: ECDSA, Ed25519, or RSA of at least 2048 bits. */
function publicKeyFrom(der: Uint8Array): KeyObject {
  let key: KeyObject
  try {
    key = createPublicKey({key: Buffer.from(der), format: 'der', type: 'spki'})
  } catch {
    throw new BadParameterError('public_key: is not a valid PKIX public key')
  }
  const type = key.asymmetricKeyType
  const weakRsa = type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
  if (!(type === 'ec' || type === 'ed25519' || type === 'rsa') || weakRsa) throw new BadParameterError('public_key: unsupported key type')
  return key
}

/** The Authority's caller, without the certificate bytes. */
function callerOf(caller: ApiCaller) {
  if (caller.kind === 'admin') return caller
  const bot = {kind: 'bot' as const, botName: caller.botName, roles: caller.roles}
  return caller.join === undefined ? bot : {...bot, join: caller.join}
}

function attrs<T>(workloadAttrs: T | undefined): {workloadAttrs?: T} {
  return workloadAttrs === undefined ? {} : {workloadAttrs}
}
