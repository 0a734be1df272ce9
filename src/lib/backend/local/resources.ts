/**
 * Resource CRUD with Teleport's semantics (teleport.md §1): tokens always upsert, everything else
 * needs --force to overwrite; an existing resource without force fails the whole batch before
 * anything is written (better than Teleport, which leaves earlier documents applied).
 */
import {AlreadyExistsError, NotFoundError} from '../../errors.js'
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

/** The server-set parts of a bot (teleport.md §4): `bot-<name>` with spaces replaced by `-`. */
export function withBotStatus(bot: Bot): Bot {
  const userName = 'bot-' + bot.metadata.name.replaceAll(' ', '-')
  return {...bot, status: {user_name: userName, role_name: userName}}
}

function prepare(resource: Resource): Resource {
  return resource.kind === 'bot' ? withBotStatus(resource) : resource
}

export async function createResources(
  store: ResourceStore,
  resources: readonly Resource[],
  options: {force: boolean},
): Promise<CreateOutcome[]> {
  return store.transact(async (tx) => {
    const existed = await checkConflicts(tx, resources, options.force)
    return resources.map((r, i) => {
      tx.put(prepare(r))
      const action = existed[i] && r.kind === 'role' ? 'updated' : 'created'
      return {kind: r.kind, name: r.metadata.name, action}
    })
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
    tx.delete(kind, name)
  })
}
