/**
 * The admin API on the wire (AdminApi as JSON). Resources travel in their stored JSON form and are
 * parsed again by whoever receives them (resources/parse.ts): the server does not trust a client's
 * documents, and the client does not trust a server's.
 */
import type {AddBotRequest, AddBotResult, AddTokenRequest, ClusterStatus, CreateOutcome, UpdateBotRequest, UpdateBotResult} from '../backend/admin-api.js'
import {validateExpression} from '../authz/expression/index.js'
import {BadParameterError} from '../errors.js'
import {parseResourceValue} from '../resources/parse.js'
import {RESOURCE_KINDS, type Bot, type ProvisionToken, type Resource, type ResourceKind, type ResourceOf} from '../resources/types.js'
import {WireReader, type JsonRecord} from './reader.js'

/**
 * A resource the server sent: parsed by its kind's parser, keeping the stored revision, exactly as
 * the file store reads one back (storage/file-store.ts), so both backends print the same bytes.
 */
export function parseResourceFrom(value: unknown, where: string): Resource {
  const resource = parseResourceValue(value, {file: where}, {validateExpression})
  const revision = (value as {metadata?: {revision?: unknown}}).metadata?.revision
  return typeof revision === 'string' ? ({...resource, metadata: {...resource.metadata, revision}} as Resource) : resource
}

export function parseResourceOf<K extends ResourceKind>(kind: K, value: unknown, where: string): ResourceOf<K> {
  const resource = parseResourceFrom(value, where)
  if (resource.kind !== kind) throw new BadParameterError(`${where}: expected a ${kind}, got a ${resource.kind}`)
  return resource as ResourceOf<K>
}

export function parseKind(text: string): ResourceKind {
  if (!RESOURCE_KINDS.includes(text as ResourceKind)) throw new BadParameterError(`unsupported resource kind "${text}"`)
  return text as ResourceKind
}

// ---- create ----

export function parseCreateRequest(body: unknown): {resources: Resource[]; force: boolean} {
  const r = new WireReader(body, '', ['resources', 'force'])
  const resources = r.list('resources').map((v, i) => parseResourceValue(v, {document: i + 1}, {validateExpression}))
  return {resources, force: r.boolean('force', false)}
}

export function parseCreateOutcomes(body: unknown): CreateOutcome[] {
  return new WireReader(body, '', ['outcomes']).list('outcomes').map((o, i) => {
    const r = new WireReader(o, `outcomes[${i}]`, ['kind', 'name', 'action'])
    const action = r.string('action')
    if (action !== 'created' && action !== 'updated') throw r.error('action', 'must be created or updated')
    return {kind: parseKind(r.string('kind')), name: r.string('name'), action}
  })
}

// ---- bots and tokens ----

export function encodeAddBot(r: AddBotRequest): JsonRecord {
  return {
    name: r.name, roles: [...r.roles], ...(r.logins ? {logins: [...r.logins]} : {}),
    ...(r.tokenTtlMs !== undefined ? {token_ttl_ms: r.tokenTtlMs} : {}), ...(r.tokenName !== undefined ? {token_name: r.tokenName} : {}),
  }
}

export function parseAddBot(body: unknown): AddBotRequest {
  const r = new WireReader(body, '', ['name', 'roles', 'logins', 'token_ttl_ms', 'token_name'])
  const tokenTtlMs = r.optionalCount('token_ttl_ms')
  const tokenName = r.optionalString('token_name')
  return {
    name: r.string('name'), roles: r.stringList('roles'), logins: r.optionalStringList('logins') ?? [],
    ...(tokenTtlMs !== undefined ? {tokenTtlMs} : {}), ...(tokenName !== undefined ? {tokenName} : {}),
  }
}

export function parseAddBotResult(body: unknown): AddBotResult {
  const r = new WireReader(body, '', ['bot', 'token'])
  return {bot: parseResourceOf('bot', r.raw('bot'), 'bot'), token: parseResourceOf('token', r.raw('token'), 'token')}
}

const UPDATE_FIELDS = {setRoles: 'set_roles', addRoles: 'add_roles', setLogins: 'set_logins', addLogins: 'add_logins'} as const

export function encodeUpdateBot(r: UpdateBotRequest): JsonRecord {
  return Object.fromEntries(Object.entries(UPDATE_FIELDS).flatMap(([k, wire]) => {
    const v = r[k as keyof typeof UPDATE_FIELDS]
    return v === undefined ? [] : [[wire, [...v]]]
  }))
}

export function parseUpdateBot(name: string, body: unknown): UpdateBotRequest {
  const r = new WireReader(body ?? {}, '', Object.values(UPDATE_FIELDS))
  const out: {-readonly [K in keyof UpdateBotRequest]: UpdateBotRequest[K]} = {name}
  for (const [k, wire] of Object.entries(UPDATE_FIELDS)) {
    const v = r.optionalStringList(wire)
    if (v !== undefined) out[k as keyof typeof UPDATE_FIELDS] = v
  }
  return out
}

export function parseUpdateBotResult(body: unknown): UpdateBotResult {
  const r = new WireReader(body, '', ['changed', 'bot'])
  if (typeof r.raw('changed') !== 'boolean') throw r.error('changed', 'must be true or false')
  return {changed: r.boolean('changed', false), bot: parseResourceOf('bot', r.raw('bot'), 'bot') as Bot}
}

export function encodeAddToken(r: AddTokenRequest): JsonRecord {
  return {type: r.type, bot_name: r.botName, ...(r.ttlMs !== undefined ? {ttl_ms: r.ttlMs} : {}), ...(r.value !== undefined ? {value: r.value} : {})}
}

export function parseAddToken(body: unknown): AddTokenRequest {
  const r = new WireReader(body, '', ['type', 'bot_name', 'ttl_ms', 'value'])
  if (r.string('type') !== 'bot') throw r.error('type', 'only "bot" tokens are supported')
  const ttlMs = r.optionalCount('ttl_ms')
  const value = r.optionalString('value')
  return {type: 'bot', botName: r.string('bot_name'), ...(ttlMs !== undefined ? {ttlMs} : {}), ...(value !== undefined ? {value} : {})}
}

export function parseToken(body: unknown): ProvisionToken {
  return parseResourceOf('token', body, 'token')
}

// ---- status ----

export function encodeStatus(s: ClusterStatus): JsonRecord {
  return {cluster_name: s.clusterName, version: s.version, ca_pins: [...s.caPins], counts: s.counts}
}

export function parseStatus(body: unknown): ClusterStatus {
  const r = new WireReader(body, '', ['cluster_name', 'version', 'ca_pins', 'counts'])
  const c = r.object('counts', RESOURCE_KINDS)
  const counts = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, c.count(k)])) as Record<ResourceKind, number>
  return {clusterName: r.string('cluster_name'), version: r.string('version'), caPins: r.stringList('ca_pins'), counts}
}
