/**
 * Admitting a bot (the Authority's half of joining, the same for the local data directory and the
 * server): the `token` method spends its single-use secret (backend/local/tokens.ts, in one store
 * transaction, so it is exactly-once on every store); the delegated methods look the token up by
 * name (it is not a secret and not spent: Teleport's lib/auth/join.go), check it names this method
 * and a bot, and verify the platform's credential against it (kubernetes.ts, github.ts, gitlab.ts).
 * The outcome carries the join attributes the bot's identity will hold until it joins again.
 */
import type {JoinAttrs} from '../authz/attributes.js'
import {consumeBotToken, isExpired} from '../backend/local/tokens.js'
import {AccessDeniedError, BadParameterError} from '../errors.js'
import type {JoinMethod, ProvisionToken} from '../resources/types.js'
import type {ResourceStore} from '../storage/resource-store.js'
import type {JoinCheckContext} from './types.js'
import {admitBoundKeypair, needsRotation, type BoundKeypairJoin} from './bound-keypair.js'
import type {ChallengeBook, IssuedChallenge} from './challenge-book.js'

export type {JoinCheckContext} from './types.js'

export interface BotJoinRequest {
  /** The method the bot says it joins with; must be the token's. */
  readonly method: JoinMethod
  /** The token's name: the secret itself for `token`, the name of the rules otherwise. */
  readonly token: string
  /** The platform's credential (a JWT) for the delegated methods. Never logged or recorded. */
  readonly idToken?: string
  /** bound_keypair: the answer to the challenge this Authority issued (bound-keypair.ts). */
  readonly boundKeypair?: BoundKeypairJoin
  /** bound_keypair: the bot's current identity certificate (DER), if it has one; checked by the Authority. */
  readonly currentIdentityDer?: Uint8Array
}

export interface Admission {
  readonly botName: string
  readonly attrs: JoinAttrs
}

/** What an attempt had established when it was refused, for its audit record. */
export interface RefusedJoin {
  readonly botName?: string
  readonly attrs?: JoinAttrs
}

const UNKNOWN_TOKEN = 'the join token is unknown, already used or expired'

function wrongEndpoint(method: string): AccessDeniedError {
  return new AccessDeniedError(`this token is only valid for the ${method} join method but the node has connected to the wrong endpoint, ` +
    `make sure your node is configured to use the ${method} join method`)
}

async function botTokenNamed(store: ResourceStore, name: string, now: Date): Promise<ProvisionToken> {
  const token = await store.get('token', name)
  if (!token || !token.spec.roles.includes('Bot') || !token.spec.bot_name || isExpired(token, now)) throw new AccessDeniedError(UNKNOWN_TOKEN)
  return token
}

async function verifyCredential(token: ProvisionToken, idToken: string, ctx: JoinCheckContext): Promise<JoinAttrs> {
  const {spec} = token
  // Each platform's check (and jose, behind it) is loaded by the first join that needs it.
  if (spec.join_method === 'kubernetes' && spec.kubernetes) return (await import('./kubernetes.js')).checkKubernetesJoin(spec.kubernetes, idToken, ctx)
  if (spec.join_method === 'github' && spec.github) return (await import('./github.js')).checkGitHubJoin(spec.github, idToken, ctx)
  if (spec.join_method === 'gitlab' && spec.gitlab) return (await import('./gitlab.js')).checkGitLabJoin(spec.gitlab, idToken, ctx)
  throw new AccessDeniedError(`join method ${JSON.stringify(spec.join_method)} is not supported`)
}

/** Attach what was known to a refusal, so the audit record can say it. */
function refused(err: unknown, known: RefusedJoin): unknown {
  if (err instanceof Error) Object.assign(err, {refusedJoin: {...known, attrs: {...known.attrs, ...(err as {joinAttrs?: JoinAttrs}).joinAttrs}}})
  return err
}

export function refusedJoinOf(err: unknown): RefusedJoin {
  return (err as {refusedJoin?: RefusedJoin} | undefined)?.refusedJoin ?? {}
}

/** Admit a bot, or refuse with Teleport's message for the first check that failed. */
export async function admitBot(store: ResourceStore, req: BotJoinRequest, ctx: JoinCheckContext): Promise<Admission> {
  if (req.method === 'token') {
    const {botName} = await store.transact((tx) => consumeBotToken(tx, req.token, ctx.now))
    return {botName, attrs: {meta: {join_method: 'token'}}}
  }
  const meta = {join_method: req.method, join_token_name: req.token}
  const token = await botTokenNamed(store, req.token, ctx.now).catch((err: unknown) => {
    throw refused(err, {attrs: {meta}})
  })
  const botName = token.spec.bot_name as string
  try {
    if (token.spec.join_method !== req.method) throw wrongEndpoint(token.spec.join_method)
    if (req.method === 'bound_keypair') {
      if (req.boundKeypair === undefined) throw new BadParameterError('bound_keypair join request holds no challenge response')
      await admitBoundKeypair(store, req.token, req.boundKeypair, ctx.now)
      return {botName, attrs: {meta}}
    }
    if (req.idToken === undefined || req.idToken === '') throw new BadParameterError(`IDToken not provided for ${req.method} join request`)
    const attrs = await verifyCredential(token, req.idToken, ctx)
    if (!(await store.get('bot', botName))) throw new AccessDeniedError(`bot "${botName}" no longer exists`)
    return {botName, attrs: {meta, ...attrs}}
  } catch (err) {
    throw refused(err, {botName, attrs: {meta}})
  }
}

/**
 * The first half of a bound_keypair join: a challenge for this token, saying whether the bot must
 * rotate its key in its answer. Refused as a join would be for an unknown token or another method.
 */
export async function boundKeypairChallenge(store: ResourceStore, tokenName: string, book: ChallengeBook, ctx: JoinCheckContext): Promise<IssuedChallenge> {
  const token = await botTokenNamed(store, tokenName, ctx.now)
  if (token.spec.join_method !== 'bound_keypair') throw wrongEndpoint(token.spec.join_method)
  return book.issue(tokenName, ctx.clusterName, needsRotation(token, ctx.now), ctx.now)
}
