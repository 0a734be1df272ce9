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
import {FieldReader} from '../document/fields.js'
import {fail} from '../document/place.js'
import {readBody, type JsonRecord} from './reader.js'

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
  const r = readBody(body, 'request body', ['resources', 'force'])
  // Numbered as `tctl create` numbers a file's documents, so both backends give the same message.
  const resources = r.required.list('resources').map(({value}, i) => parseResourceValue(value, {document: i + 1}, {validateExpression}))
  return {resources, force: r.boolean('force') ?? false}
}

export function parseCreateOutcomes(body: unknown): CreateOutcome[] {
  return readBody(body, 'response body', ['outcomes']).required.list('outcomes').map(({value, place}) => {
    const r = FieldReader.of(value, place, ['kind', 'name', 'action'])
    const action = r.required.string('action')
    if (action !== 'created' && action !== 'updated') fail(r.at('action'), 'must be created or updated')
    return {kind: parseKind(r.required.string('kind')), name: r.required.string('name'), action}
  })
}

/** A listing's `{resources: [...]}`, each checked to be of `kind`. */
export function parseResourceList<K extends ResourceKind>(kind: K, body: unknown): ResourceOf<K>[] {
  const listed = readBody(body, 'response body', ['resources']).required.list('resources')
  return listed.map(({value, place}) => parseResourceOf(kind, value, place.path))
}

// ---- bots and tokens ----

export function encodeAddBot(r: AddBotRequest): JsonRecord {
  return {
    name: r.name, roles: [...r.roles], ...(r.logins ? {logins: [...r.logins]} : {}),
    ...(r.tokenTtlMs !== undefined ? {token_ttl_ms: r.tokenTtlMs} : {}), ...(r.tokenName !== undefined ? {token_name: r.tokenName} : {}),
  }
}

export function parseAddBot(body: unknown): AddBotRequest {
  const r = readBody(body, 'request body', ['name', 'roles', 'logins', 'token_ttl_ms', 'token_name'])
  const tokenTtlMs = r.count('token_ttl_ms')
  const tokenName = r.string('token_name')
  return {
    name: r.required.string('name'), roles: r.required.stringList('roles'), logins: r.stringList('logins') ?? [],
    ...(tokenTtlMs !== undefined ? {tokenTtlMs} : {}), ...(tokenName !== undefined ? {tokenName} : {}),
  }
}

export function parseAddBotResult(body: unknown): AddBotResult {
  const r = readBody(body, 'response body', ['bot', 'token'])
  return {bot: parseResourceOf('bot', r.get('bot'), 'bot'), token: parseResourceOf('token', r.get('token'), 'token')}
}

const UPDATE_FIELDS = {setRoles: 'set_roles', addRoles: 'add_roles', setLogins: 'set_logins', addLogins: 'add_logins'} as const

export function encodeUpdateBot(r: UpdateBotRequest): JsonRecord {
  return Object.fromEntries(Object.entries(UPDATE_FIELDS).flatMap(([k, wire]) => {
    const v = r[k as keyof typeof UPDATE_FIELDS]
    return v === undefined ? [] : [[wire, [...v]]]
  }))
}

export function parseUpdateBot(name: string, body: unknown): UpdateBotRequest {
  const r = readBody(body ?? {}, 'request body', Object.values(UPDATE_FIELDS))
  const out: {-readonly [K in keyof UpdateBotRequest]: UpdateBotRequest[K]} = {name}
  for (const [k, wire] of Object.entries(UPDATE_FIELDS)) {
    const v = r.stringList(wire)
    if (v !== undefined) out[k as keyof typeof UPDATE_FIELDS] = v
  }
  return out
}

export function parseUpdateBotResult(body: unknown): UpdateBotResult {
  const r = readBody(body, 'response body', ['changed', 'bot'])
  return {changed: r.required.boolean('changed'), bot: parseResourceOf('bot', r.get('bot'), 'bot') as Bot}
}

export function encodeAddToken(r: AddTokenRequest): JsonRecord {
  return {type: r.type, bot_name: r.botName, ...(r.ttlMs !== undefined ? {ttl_ms: r.ttlMs} : {}), ...(r.value !== undefined ? {value: r.value} : {})}
}

export function parseAddToken(body: unknown): AddTokenRequest {
  const r = readBody(body, 'request body', ['type', 'bot_name', 'ttl_ms', 'value'])
  if (r.required.string('type') !== 'bot') fail(r.at('type'), 'only "bot" tokens are supported')
  const ttlMs = r.count('ttl_ms')
  const value = r.string('value')
  return {type: 'bot', botName: r.required.string('bot_name'), ...(ttlMs !== undefined ? {ttlMs} : {}), ...(value !== undefined ? {value} : {})}
}

export function parseToken(body: unknown): ProvisionToken {
  return parseResourceOf('token', body, 'token')
}

// ---- status ----

export function encodeStatus(s: ClusterStatus): JsonRecord {
  return {cluster_name: s.clusterName, version: s.version, ca_pins: [...s.caPins], counts: s.counts}
}

export function parseStatus(body: unknown): ClusterStatus {
  const r = readBody(body, 'response body', ['cluster_name', 'version', 'ca_pins', 'counts'])
  const c = r.required.mapping('counts', RESOURCE_KINDS)
  const counts = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, c.required.count(k)])) as Record<ResourceKind, number>
  return {clusterName: r.required.string('cluster_name'), version: r.required.string('version'), caPins: r.required.stringList('ca_pins'), counts}
}
