/** `KIND[/NAME]` references as `tctl get` and `tctl rm` take them (Teleport's tool/tctl/common/resource_command.go). */
import {BadParameterError} from '../lib/errors.js'
import {RESOURCE_KINDS, type ResourceKind} from '../lib/resources/types.js'

export interface ResourceRef {
  readonly kind: ResourceKind
  readonly name?: string
}

const ALIASES: Readonly<Record<string, ResourceKind>> = {
  workload_identity: 'workload_identity', workload_identities: 'workload_identity',
  'workload-identity': 'workload_identity', 'workload-identities': 'workload_identity',
  role: 'role', roles: 'role', bot: 'bot', bots: 'bot', token: 'token', tokens: 'token',
  spiffe_federation: 'spiffe_federation', spiffe_federations: 'spiffe_federation',
}

export function kindOf(text: string): ResourceKind | undefined {
  return ALIASES[text.toLowerCase()]
}

export function parseResourceRef(text: string): ResourceRef {
  const slash = text.indexOf('/')
  const kindText = slash === -1 ? text : text.slice(0, slash)
  const kind = kindOf(kindText)
  if (!kind) {
    throw new BadParameterError(
      `unsupported resource: "${kindText}" - resources should be expressed as 'type/name', for example 'role/admin'`,
    )
  }
  const name = slash === -1 ? undefined : text.slice(slash + 1)
  return name === undefined || name === '' ? {kind} : {kind, name}
}

/** `KIND[/NAME][,KIND2...]` or `all` (every kind but tokens, which are secrets). */
export function parseResourceRefs(text: string): ResourceRef[] {
  if (text === 'all') return RESOURCE_KINDS.filter((k) => k !== 'token').map((kind) => ({kind}))
  return text.split(',').map((part) => parseResourceRef(part.trim()))
}

/** The name `tctl rm` requires; its refusal texts are Teleport's. */
export function refForDelete(text: string): Required<ResourceRef> {
  const slash = text.indexOf('/')
  const kindText = slash === -1 ? text : text.slice(0, slash)
  const kind = kindOf(kindText)
  if (!kind) throw new BadParameterError(`deleting resources of type "${kindText}" is not supported`)
  const name = slash === -1 ? '' : text.slice(slash + 1)
  if (name === '') throw new BadParameterError('provide a full resource name to delete, for example:\n$ tctl rm cluster/east')
  return {kind, name}
}
