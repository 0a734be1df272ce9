/**
 * Resource CRUD with Teleport's semantics (tool/tctl/common/resource_command.go): tokens always
 * upsert, everything else needs --force to overwrite; an existing resource without force fails the
 * whole batch before anything is written (better than Teleport, which leaves earlier documents applied).
 * New names follow resources/metadata.ts newNameProblem here too, for callers that skip the parser's check.
 */
import {AlreadyExistsError, BadParameterError, NotFoundError} from '../../errors.js'
import {newNameProblem} from '../../resources/metadata.js'
import {newResourceProblem} from '../../resources/parse.js'
import {withStoredStatus} from '../../resources/spiffe-federation.js'
import type {Bot, Resource, ResourceKind, ResourceOf} from '../../resources/types.js'
import type {ResourceStore, StoreTx} from '../../storage/resource-store.js'
import type {CreateOutcome} from '../admin-api.js'

export const FORCE_HINT = 'use -f or --force flag to overwrite'

/** Teleport's NotFound text for each kind. */
export function notFound(kind: ResourceKind, name: string): NotFoundError {
  return new NotFoundError(kind === 'role' ? `role ${name} is not found` : `${kind} "${name}" not found`)
}

/** `use -f or --force flag to overwrite` wrapping the cause, in gravitational/trace's layout. */
function alreadyExists(kind: ResourceKind, name: string): AlreadyExistsError {
  const inner = kind === 'role' ? `role "${name}" already exists` : `${kind} "${name}" already exists`
  return new AlreadyExistsError(`${FORCE_HINT}\n\t${inner}`)
}

/** The server-set parts of a bot (lib/services BotResourceName): `bot-<name>` with spaces replaced by `-`. */
export function withBotStatus(bot: Bot): Bot {
  const userName = 'bot-' + bot.metadata.name.replaceAll(' ', '-')
  return {...bot, status: {user_name: userName, role_name: userName}}
}

/** Refuses a name that a new bot may not have (`tctl bots add NAME`, `tctl tokens add --bot-name NAME`). */
export function checkNewBotName(name: string): void {
  const problem = newNameProblem(name)
  if (problem !== undefined) throw new BadParameterError(`bot name ${JSON.stringify(name)}: ${problem}`)
}

/**
 * The parser's rules for new resources again, for callers that did not parse with `creating` (the
 * server's API). A token's name is its secret, so it is not echoed.
 */
function checkNewResource(resource: Resource): void {
  const found = newResourceProblem(resource)
  if (found === undefined) return
  const which = resource.kind === 'token' ? 'token' : `${resource.kind} ${JSON.stringify(resource.metadata.name)}`
  throw new BadParameterError(`${which}: ${found.path}: ${found.problem}`)
}

function prepare(resource: Resource): Resource {
  return resource.kind === 'bot' ? withBotStatus(resource) : resource
}

export async function createResources(
  store: ResourceStore,
  resources: readonly Resource[],
  options: {force: boolean},
): Promise<CreateOutcome[]> {
  resources.forEach(checkNewResource)
  return store.transact(async (tx) => {
    const existed = await checkConflicts(tx, resources, options.force)
    const outcomes: CreateOutcome[] = []
    for (const [i, r] of resources.entries()) {
      tx.put(r.kind === 'spiffe_federation' ? withStoredStatus(r, await tx.get(r.kind, r.metadata.name)) : prepare(r))
      const action = existed[i] && r.kind === 'role' ? 'updated' : 'created'
      outcomes.push({kind: r.kind, name: r.metadata.name, action})
    }
    return outcomes
  })
}

async function checkConflicts(tx: StoreTx, resources: readonly Resource[], force: boolean): Promise<boolean[]> {
  const seen = new Set<string>()
  const existed: boolean[] = []
  for (const r of resources) {
    const key = `${r.kind}/${r.metadata.name}`
    const exists = seen.has(key) || (await tx.get(r.kind, r.metadata.name)) !== undefined
    seen.add(key)
    if (exists && !force && r.kind !== 'token') throw alreadyExists(r.kind, r.metadata.name)
    existed.push(exists)
  }
  return existed
}

export async function getResource<K extends ResourceKind>(store: ResourceStore, kind: K, name: string): Promise<ResourceOf<K>> {
  const found = await store.get(kind, name)
  if (!found) throw notFound(kind, name)
  return found
}

export async function deleteResource(store: ResourceStore, kind: ResourceKind, name: string): Promise<void> {
  await store.transact(async (tx) => {
    if (!(await tx.get(kind, name))) throw notFound(kind, name)
    if (kind === 'role') await checkRoleUnused(tx, name)
    tx.delete(kind, name)
  })
}

const BOTS_NAMED = 10

/**
 * A role a bot still holds is not deleted: the bot would lose its access at its next renewal with no
 * word to anyone. Teleport refuses the same for roles its users hold (lib/auth/access.go
 * DeleteRole, errDeleteRoleUser) but hides the names from the caller; deleting needs the admin here,
 * so the bots are named, and the message says how to free the role.
 */
async function checkRoleUnused(tx: StoreTx, role: string): Promise<void> {
  const holders = (await tx.list('bot')).filter((b) => b.spec.roles.includes(role)).map((b) => b.metadata.name).sort()
  if (holders.length === 0) return
  const named = holders.slice(0, BOTS_NAMED).map((n) => JSON.stringify(n)).join(', ')
  const more = holders.length > BOTS_NAMED ? ` and ${holders.length - BOTS_NAMED} more` : ''
  throw new BadParameterError(
    `failed to delete a role that is still in use by ${holders.length === 1 ? 'bot' : 'bots'} ${named}${more}; ` +
    'take it from them first with "tctl bots update <bot> --set-roles ..."',
  )
}
