/**
 * Who is asking for an identity, and the attributes and roles that follow from it. A bot acts with
 * the roles in its identity certificate (set when it joined or last renewed, Teleport's lib/services/role.go and lib/auth/machineid/workloadidentityv1) that
 * its bot resource still lists: a role added with `tctl bots update` applies from the next renewal,
 * a role removed stops applying at once.
 */
import type {Attributes, JoinAttrs, UserAttrs, WorkloadAttrs} from '../authz/attributes.js'
import {AccessDeniedError} from '../errors.js'
import type {Bot, Role} from '../resources/types.js'
import type {PolicySnapshot} from './policy.js'

export type Caller =
  /** Whoever can read the data directory (or holds an admin identity): may request any identity. */
  | {readonly kind: 'admin'; readonly name: string}
  | {
    readonly kind: 'bot'
    readonly botName: string
    readonly roles: readonly string[]
    /** From the bot's identity: how it last joined (authority/bot-identity.ts). */
    readonly join?: JoinAttrs
  }

/** The admin's implicit role: every workload identity, every verb. The identities' own rules still apply. */
const ADMIN_ROLE: Role = {
  kind: 'role',
  version: 'v7',
  metadata: {name: 'svidkit-admin'},
  spec: {allow: {workload_identity_labels: {'*': ['*']}, rules: [{resources: ['*'], verbs: ['*']}]}},
}

export interface CallerContext {
  readonly userName: string
  readonly roles: readonly Role[]
  readonly attrs: Attributes
}

function traitsOf(bot: Bot): Record<string, readonly string[]> {
  return Object.fromEntries((bot.spec.traits ?? []).map((t) => [t.name, t.values]))
}

export function callerContext(caller: Caller, policy: PolicySnapshot, workload: WorkloadAttrs | undefined): CallerContext {
  if (caller.kind === 'admin') {
    const user: UserAttrs = {name: caller.name, is_bot: false, bot_name: '', bot_instance_id: '', labels: {}, traits: {}}
    return {userName: caller.name, roles: [ADMIN_ROLE], attrs: {user, ...(workload ? {workload} : {})}}
  }
  const bot = policy.bots.get(caller.botName)
  if (!bot) throw new AccessDeniedError(`bot "${caller.botName}" no longer exists`)
  const userName = bot.status?.user_name ?? `bot-${caller.botName}`
  const roles = caller.roles
    .filter((r) => bot.spec.roles.includes(r))
    .map((r) => policy.roles.get(r))
    .filter((r): r is Role => r !== undefined)
  const user: UserAttrs = {
    name: userName, is_bot: true, bot_name: caller.botName, bot_instance_id: '', labels: bot.metadata.labels ?? {}, traits: traitsOf(bot),
  }
  // An identity from before join attributes existed joined with a token. join.meta.join_token_name
  // is omitted for the `token` method (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto).
  const join = caller.join ?? {meta: {join_method: 'token'}}
  return {userName, roles, attrs: {user, join, ...(workload ? {workload} : {})}}
}
