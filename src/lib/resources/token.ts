/**
 * `token` v2 (Teleport's api/types/provisioning.go CheckAndSetDefaults): a join token. Only bot
 * tokens are supported, with the `token` join method (metadata.name is the secret, spent on first
 * use) or a delegated one — `kubernetes`, `github`, `gitlab` — whose section names what may join
 * (resources/token-methods.ts; metadata.name is then just a name). metadata.expires is its end.
 */
import {formatGoDuration} from '../duration.js'
import type {InputLocation} from '../errors.js'
import type {ProvisionToken} from './types.js'
import {fail, itemPlace, rootPlace} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {defined} from './values.js'
import {parseMetadata, resourceNameProblem} from './metadata.js'
import {parseGitHubSection, parseGitLabSection, parseKubernetesSection} from './token-methods.js'
import {parseBoundKeypairSection, parseBoundKeypairStatus} from './token-bound-keypair.js'

export const BOT_ROLE = 'Bot'

/**
 * The longest lifetime a join token may be given (`tctl tokens add --ttl`, `tctl bots add --ttl`).
 * Teleport sets no cap on join tokens today (gravitational/teleport#11148 dropped the documented one;
 * early versions clamped to defaults.MaxProvisioningTokenTTL in lib/services/provisioning.go). We
 * cap them as Teleport caps its other single-use invitation, the user signup token
 * (lib/defaults/defaults.go MaxSignupTokenTTL, 48h): a bot token is spent on first use, so a longer
 * life only widens the window for a leaked one.
 */
export const MAX_JOIN_TOKEN_TTL_MS = 48 * 3_600_000

/** Why `ttlMs` cannot be a join token's lifetime, or undefined when it can. */
export function joinTokenTtlProblem(ttlMs: number): string | undefined {
  if (!Number.isFinite(ttlMs)) return `must be a finite duration, got ${String(ttlMs)}`
  if (ttlMs <= 0) return `must be positive, got ${formatGoDuration(ttlMs)}`
  if (ttlMs > MAX_JOIN_TOKEN_TTL_MS) {
    return `${formatGoDuration(ttlMs)} exceeds the maximum TTL allowed (${formatGoDuration(MAX_JOIN_TOKEN_TTL_MS)})`
  }
  return undefined
}
const SPEC_FIELDS = ['roles', 'join_method', 'bot_name']

/** The delegated join methods this program verifies, each with the spec section it reads. */
export const DELEGATED_JOIN_METHODS = ['kubernetes', 'github', 'gitlab', 'bound_keypair'] as const
type DelegatedMethod = (typeof DELEGATED_JOIN_METHODS)[number]
const SECTION_PARSERS = {
  kubernetes: parseKubernetesSection, github: parseGitHubSection, gitlab: parseGitLabSection, bound_keypair: parseBoundKeypairSection,
}

export function parseProvisionToken(value: unknown, loc: InputLocation): ProvisionToken {
  const top = FieldReader.of(value, rootPlace(loc), ['kind', 'version', 'metadata', 'spec', 'status'])
  if (top.get('kind') !== 'token') fail(top.at('kind'), 'must be "token"')
  if (top.get('version') !== 'v2') fail(top.at('version'), 'only "v2" is supported')
  const metadata = parseMetadata(top.get('metadata'), top.at('metadata'))
  if (!top.has('spec')) fail(top.at('spec'), 'is required')
  const spec = FieldReader.of(top.get('spec'), top.at('spec'))
  const roles = readRoles(spec)
  const botName = readBotName(spec, roles)
  const method = checkJoinMethod(spec)
  // Only bound_keypair tokens have server-kept status (token-bound-keypair.ts).
  if (method !== 'bound_keypair') top.rejectUnknown(['kind', 'version', 'metadata', 'spec'])
  if (method === 'token') {
    // After the join method, so a token written for another method hears about the method, not its
    // config section (`github: ...`). `allow` never gets here: checkJoinMethod refuses it.
    spec.rejectUnknown(SPEC_FIELDS)
    return {kind: 'token', version: 'v2', metadata, spec: defined({roles, join_method: 'token' as const, bot_name: botName})}
  }
  spec.rejectUnknown([...SPEC_FIELDS, method])
  const section = spec.mapping(method)
  if (section === undefined) fail(spec.at(method), `the ${JSON.stringify(method)} join method requires the "${method}" section`)
  const parsed = SECTION_PARSERS[method](section)
  const spec2 = {roles, join_method: method, bot_name: botName, [method]: parsed}
  const status = method === 'bound_keypair' ? top.mapping('status', ['bound_keypair'])?.mapping('bound_keypair') : undefined
  if (status === undefined) return {kind: 'token', version: 'v2', metadata, spec: spec2}
  return {kind: 'token', version: 'v2', metadata, spec: spec2, status: {bound_keypair: parseBoundKeypairStatus(status)}}
}

/** System role names, as Teleport normalises them ("bot" → "Bot"). */
function readRoles(spec: FieldReader): string[] {
  const roles = (spec.stringList('roles') ?? []).map((r) => (r.toLowerCase() === 'bot' ? BOT_ROLE : r))
  if (roles.length === 0) fail(spec.at('roles'), 'provisioning token is missing roles')
  return roles
}

/** Teleport's two bot_name rules come before the role check, so both stay reachable. */
function readBotName(spec: FieldReader, roles: readonly string[]): string {
  const botName = spec.string('bot_name') ?? ''
  const hasBotRole = roles.includes(BOT_ROLE)
  if (hasBotRole && botName === '') fail(spec.at('bot_name'), `token with role "${BOT_ROLE}" must set bot_name`)
  if (!hasBotRole && botName !== '') fail(spec.at('bot_name'), `can only set bot_name on token with role "${BOT_ROLE}"`)
  roles.forEach((role, i) => {
    if (role !== BOT_ROLE) fail(itemPlace(spec.at('roles'), i), `role ${JSON.stringify(role)} is not supported, only "${BOT_ROLE}"`)
  })
  const problem = resourceNameProblem(botName)
  if (problem !== undefined) fail(spec.at('bot_name'), problem)
  return botName
}

/** Unset means `ec2` when allow rules are present, else `token` (Teleport's backwards-compatible default). */
function checkJoinMethod(spec: FieldReader): 'token' | DelegatedMethod {
  const method = spec.string('join_method')
  const hasAllowRules = spec.has('allow')
  if (method === undefined) {
    if (hasAllowRules) fail(spec.at('join_method'), 'join method "ec2" is not supported (it is the default when allow rules are set)')
    return 'token'
  }
  if ((DELEGATED_JOIN_METHODS as readonly string[]).includes(method)) return method as DelegatedMethod
  if (method !== 'token') fail(spec.at('join_method'), `join method ${JSON.stringify(method)} is not supported`)
  if (hasAllowRules) fail(spec.at('allow'), 'allow rules are not compatible with the "token" join method')
  return 'token'
}
