/**
 * Bots (tool/tctl/common/bots_command.go; lib/auth/machineid/machineidv1/bot_service.go): add with a
 * join token, update roles and logins, remove with their tokens.
 */
import {AlreadyExistsError} from '../../errors.js'
import type {Bot, Trait} from '../../resources/types.js'
import type {ResourceStore, StoreTx} from '../../storage/resource-store.js'
import type {AddBotRequest, AddBotResult, UpdateBotRequest, UpdateBotResult} from '../admin-api.js'
import {checkNewBotName, notFound, withBotStatus} from './resources.js'
import {BOT_TOKEN_TTL_DEFAULT_MS, checkTokenForBot, makeBotToken} from './tokens.js'

const LOGINS_TRAIT = 'logins'

async function checkRolesExist(tx: StoreTx, roles: readonly string[]): Promise<void> {
  for (const role of roles) if (!(await tx.get('role', role))) throw notFound('role', role)
}

function withLogins(traits: readonly Trait[] | undefined, logins: readonly string[]): Trait[] {
  const others = (traits ?? []).filter((t) => t.name !== LOGINS_TRAIT)
  return logins.length > 0 ? [...others, {name: LOGINS_TRAIT, values: logins}] : others
}

export async function addBot(store: ResourceStore, request: AddBotRequest, now: Date): Promise<AddBotResult> {
  checkNewBotName(request.name)
  return store.transact(async (tx) => {
    if (await tx.get('bot', request.name)) throw new AlreadyExistsError(`bot "${request.name}" already exists`)
    await checkRolesExist(tx, request.roles)
    const bot = tx.put(withBotStatus({
      kind: 'bot',
      version: 'v1',
      metadata: {name: request.name},
      spec: {roles: [...request.roles], traits: withLogins(undefined, request.logins ?? [])},
    }))
    const token = request.tokenName
      ? await checkTokenForBot(tx, request.tokenName, request.name)
      : tx.put(makeBotToken(request.name, request.tokenTtlMs ?? BOT_TOKEN_TTL_DEFAULT_MS, now))
    return {bot, token}
  })
}

/** Set replaces, add unions; set is applied first, then add (Teleport's order). No flags: no change. */
function merged(current: readonly string[], set: readonly string[] | undefined, add: readonly string[] | undefined): string[] {
  const out = set !== undefined ? [...set] : [...current]
  for (const item of add ?? []) if (!out.includes(item)) out.push(item)
  return out
}

export async function updateBot(store: ResourceStore, request: UpdateBotRequest): Promise<UpdateBotResult> {
  const {setRoles, addRoles, setLogins, addLogins} = request
  return store.transact(async (tx) => {
    const bot = await tx.get('bot', request.name)
    if (!bot) throw notFound('bot', request.name)
    const roles = merged(bot.spec.roles, setRoles, addRoles)
    await checkRolesExist(tx, roles)
    const currentLogins = bot.spec.traits?.find((t) => t.name === LOGINS_TRAIT)?.values ?? []
    const logins = merged(currentLogins, setLogins, addLogins)
    const changed = !sameList(roles, bot.spec.roles) || !sameList(logins, currentLogins)
    if (!changed) return {changed, bot}
    const updated: Bot = {...bot, spec: {...bot.spec, roles, traits: withLogins(bot.spec.traits, logins)}}
    return {changed, bot: tx.put(updated)}
  })
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** Removing a bot also removes its unused join tokens, so none can enrol a bot of the same name later. */
export async function deleteBot(store: ResourceStore, name: string): Promise<void> {
  await store.transact(async (tx) => {
    if (!(await tx.get('bot', name))) throw notFound('bot', name)
    tx.delete('bot', name)
    for (const token of await tx.list('token')) if (token.spec.bot_name === name) tx.delete('token', token.metadata.name)
  })
}
