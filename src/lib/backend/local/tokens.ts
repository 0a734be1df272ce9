/**
 * Join tokens (Teleport's `token` join method, api/types/provisioning.go JoinMethodToken): bot
 * tokens with join method `token` are secret, expiring and single-use. The token's name is its
 * secret value.
 */
import {randomBytes} from 'node:crypto'
import {AccessDeniedError, BadParameterError} from '../../errors.js'
import {formatExpires} from '../../resources/metadata.js'
import {newNameProblem} from '../../resources/metadata.js'
import {joinTokenTtlProblem} from '../../resources/token.js'
import type {ProvisionToken} from '../../resources/types.js'
import type {StoreTx} from '../../storage/resource-store.js'
import {checkNewBotName, notFound} from './resources.js'

/** Default lifetimes (lib/defaults/defaults.go): `tctl tokens add` ProvisioningTokenTTL, `tctl bots add` DefaultBotJoinTTL. */
export const TOKEN_TTL_DEFAULT_MS = 30 * 60_000
export const BOT_TOKEN_TTL_DEFAULT_MS = 60 * 60_000

export function newTokenValue(): string {
  return randomBytes(16).toString('hex')
}

/**
 * A new bot join token. Its lifetime must be positive and within the cap (resources/token.ts), and
 * its name and bot name follow the rule for new names; the name is the secret, so it is never echoed.
 */
export function makeBotToken(botName: string, ttlMs: number, now: Date, value = newTokenValue()): ProvisionToken {
  const ttlProblem = joinTokenTtlProblem(ttlMs)
  if (ttlProblem !== undefined) throw new BadParameterError(`join token TTL: ${ttlProblem}`)
  const valueProblem = newNameProblem(value)
  if (valueProblem !== undefined) throw new BadParameterError(`token value: ${valueProblem}`)
  checkNewBotName(botName)
  return {
    kind: 'token',
    version: 'v2',
    metadata: {name: value, expires: formatExpires(new Date(now.getTime() + ttlMs))},
    spec: {roles: ['Bot'], join_method: 'token', bot_name: botName},
  }
}

export function isExpired(token: ProvisionToken, now: Date): boolean {
  return token.metadata.expires !== undefined && Date.parse(token.metadata.expires) <= now.getTime()
}

/** Checks an existing token may be used for this bot (Teleport's `tctl bots add --token` checks). */
export async function checkTokenForBot(tx: StoreTx, tokenName: string, botName: string): Promise<ProvisionToken> {
  const token = await tx.get('token', tokenName)
  if (!token) throw new BadParameterError(`token with name "${tokenName}" not found, create the token or do not set TokenName`)
  if (!token.spec.roles.includes('Bot')) throw new BadParameterError(`token "${tokenName}" is not valid for role "Bot"`)
  if (token.spec.bot_name !== botName) {
    throw new BadParameterError(`token "${tokenName}" is valid for bot with name "${token.spec.bot_name ?? ''}", not "${botName}"`)
  }
  return token
}

/**
 * Spend a bot join token: it must exist, be unexpired and name an existing bot; it is deleted in the
 * same transaction, so two joins with one token cannot both succeed. The refusal never says which
 * check failed beyond what the caller already knows (no probing of token names).
 */
export async function consumeBotToken(tx: StoreTx, tokenValue: string, now: Date): Promise<{botName: string; tokenName: string}> {
  const token = await tx.get('token', tokenValue)
  if (!token || token.spec.join_method !== 'token' || !token.spec.roles.includes('Bot') || !token.spec.bot_name) {
    throw new AccessDeniedError('the join token is unknown, already used or expired')
  }
  if (isExpired(token, now)) throw new AccessDeniedError('the join token is unknown, already used or expired')
  const bot = await tx.get('bot', token.spec.bot_name)
  if (!bot) throw notFound('bot', token.spec.bot_name)
  tx.delete('token', tokenValue)
  return {botName: bot.metadata.name, tokenName: tokenValue}
}
