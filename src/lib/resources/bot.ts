/**
 * `bot` v1 (Teleport's api/proto/teleport/machineid/v1/bot.proto): spec.roles, spec.traits, spec.max_session_ttl
 * (default 12h, at most 168h). `status` is server-set; it is accepted so that `tctl get` output
 * parses back, and storage overwrites it on every write.
 */
import {formatGoDuration, formatProtoDuration} from '../duration.js'
import type {InputLocation} from '../errors.js'
import type {Bot, Trait} from './types.js'
import {fail, rootPlace, type Place} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {defined, nonEmpty} from './values.js'
import {parseMetadata} from './metadata.js'

const HOUR_MS = 3_600_000
export const DEFAULT_BOT_MAX_SESSION_TTL_MS = 12 * HOUR_MS
export const MAX_BOT_MAX_SESSION_TTL_MS = 168 * HOUR_MS

export function parseBot(value: unknown, loc: InputLocation): Bot {
  const top = FieldReader.of(value, rootPlace(loc), ['kind', 'version', 'metadata', 'spec', 'status'])
  if (top.get('kind') !== 'bot') fail(top.at('kind'), 'must be "bot"')
  // Teleport fills in a missing version (machineidv1 setKindAndVersion).
  if (top.has('version') && top.get('version') !== 'v1') fail(top.at('version'), 'only "v1" is supported')
  const metadata = parseMetadata(top.get('metadata'), top.at('metadata'))
  if (!top.has('spec')) fail(top.at('spec'), 'is required')
  const spec = FieldReader.of(top.get('spec'), top.at('spec'), ['roles', 'traits', 'max_session_ttl'])
  const roles = spec.stringList('roles') ?? []
  if (roles.includes('')) fail(spec.at('roles'), 'must not contain empty strings')
  return defined({
    kind: 'bot' as const,
    version: 'v1' as const,
    metadata,
    spec: defined({
      roles,
      traits: nonEmpty(spec.list('traits')?.map((t) => parseTrait(t.value, t.place))),
      max_session_ttl: formatProtoDuration(readMaxSessionTtl(spec)),
    }),
    status: parseStatus(top.mapping('status', ['user_name', 'role_name'])),
  })
}

function readMaxSessionTtl(spec: FieldReader): number {
  const ms = spec.duration('max_session_ttl')
  if (ms === undefined) return DEFAULT_BOT_MAX_SESSION_TTL_MS
  if (ms === 0) fail(spec.at('max_session_ttl'), 'must be greater than 0s')
  if (ms > MAX_BOT_MAX_SESSION_TTL_MS) {
    fail(spec.at('max_session_ttl'), `must be less than ${formatGoDuration(MAX_BOT_MAX_SESSION_TTL_MS)}`)
  }
  return ms
}

function parseTrait(value: unknown, place: Place): Trait {
  const trait = FieldReader.of(value, place, ['name', 'values'])
  return {name: trait.requiredString('name'), values: trait.stringList('values') ?? []}
}

function parseStatus(status: FieldReader | undefined): Bot['status'] {
  if (status === undefined) return undefined
  return {user_name: status.string('user_name') ?? '', role_name: status.string('role_name') ?? ''}
}
