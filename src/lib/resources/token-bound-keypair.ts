/**
 * The `bound_keypair` section of a `token` v2 spec and its server-kept status (Teleport 18's
 * api/types/provisioning.go ProvisionTokenSpecV2BoundKeypair / ProvisionTokenStatusV2BoundKeypair,
 * docs/pages/reference/machine-workload-identity/bound-keypair): the bot's public key, or a
 * registration secret it trades for binding one; how many recoveries (joins without a current
 * identity) are allowed; and when the bot must rotate its key.
 */
import {fail} from '../document/place.js'
import type {FieldReader} from '../document/fields.js'
import {parseSshPublicKey} from '../join/ssh-public-key.js'
import {defined} from './values.js'

export type RecoveryMode = 'standard' | 'relaxed' | 'insecure'
const RECOVERY_MODES: readonly RecoveryMode[] = ['standard', 'relaxed', 'insecure']

export interface BoundKeypairTokenSpec {
  readonly onboarding: {
    /** An authorized_keys line (`tbot keypair create` prints it). */
    readonly initial_public_key?: string
    readonly registration_secret?: string
    readonly must_register_before?: string
  }
  readonly recovery: {readonly limit: number; readonly mode: RecoveryMode}
  /** RFC 3339: the next join after this instant rotates the key (once per value). */
  readonly rotate_after?: string
}

/** Written only by the Authority, inside a store transaction (join/bound-keypair.ts). */
export interface BoundKeypairTokenStatus {
  readonly bound_public_key?: string
  readonly bound_bot_instance_id?: string
  readonly recovery_count: number
  readonly last_recovered_at?: string
  readonly last_rotated_at?: string
}

function timestamp(r: FieldReader, key: string): string | undefined {
  const value = r.string(key)
  if (value === undefined || value === '') return undefined
  if (Number.isNaN(Date.parse(value))) fail(r.at(key), `must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`)
  return value
}

export function parseBoundKeypairSection(r: FieldReader): BoundKeypairTokenSpec {
  const onboarding = r.mapping('onboarding', ['initial_public_key', 'registration_secret', 'must_register_before'])
  const recovery = r.mapping('recovery', ['limit', 'mode'])
  const rotateAfter = timestamp(r, 'rotate_after')
  r.rejectUnknown(['onboarding', 'recovery', 'rotate_after'])
  const initialKey = onboarding?.string('initial_public_key') || undefined
  const secret = onboarding?.string('registration_secret') || undefined
  if (initialKey === undefined && secret === undefined) {
    fail(r.at('onboarding'), 'onboarding.initial_public_key or onboarding.registration_secret must be set')
  }
  if (initialKey !== undefined) {
    try {
      parseSshPublicKey(initialKey)
    } catch (err) {
      fail((onboarding as FieldReader).at('initial_public_key'), (err as Error).message)
    }
  }
  const mode = (recovery?.string('mode') || 'standard') as RecoveryMode
  if (!RECOVERY_MODES.includes(mode)) fail((recovery as FieldReader).at('mode'), `must be one of (${RECOVERY_MODES.join(', ')}), got ${JSON.stringify(mode)}`)
  // Unset is 1: enough for the first join (Teleport counts it as a recovery) and nothing more.
  const limit = recovery?.count('limit') ?? 1
  return defined({
    onboarding: defined({
      initial_public_key: initialKey, registration_secret: secret,
      must_register_before: onboarding ? timestamp(onboarding, 'must_register_before') : undefined,
    }),
    recovery: {limit, mode},
    rotate_after: rotateAfter,
  })
}

export function parseBoundKeypairStatus(r: FieldReader): BoundKeypairTokenStatus {
  const out = defined({
    bound_public_key: r.string('bound_public_key') || undefined,
    bound_bot_instance_id: r.string('bound_bot_instance_id') || undefined,
    recovery_count: r.count('recovery_count') ?? 0,
    last_recovered_at: timestamp(r, 'last_recovered_at'),
    last_rotated_at: timestamp(r, 'last_rotated_at'),
  })
  r.rejectUnknown(['bound_public_key', 'bound_bot_instance_id', 'recovery_count', 'last_recovered_at', 'last_rotated_at'])
  return out
}
