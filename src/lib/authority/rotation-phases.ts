/**
 * CA rotation as Teleport does it (lib/auth/rotate.go: processRotationRequest, startNewRotation,
 * updateClients, startRollingBackRotation, completeRotation), on one CA's state (ca/ca-state.ts):
 *   init            new keys generated and trusted (additional), old keys still sign
 *   update_clients  keys swapped: new keys sign, old keys still trusted
 *   update_servers  no key change (servers reload); old keys still trusted
 *   standby         the additional (old) keys dropped: one CA again
 *   rollback        from init, update_clients or update_servers: old keys sign again, new ones
 *                   trusted until the standby that follows, which drops them
 * Pure: the caller supplies the new keys, the clock and the rotation id, and stores the result.
 */
import {randomUUID} from 'node:crypto'
import {BadParameterError} from '../errors.js'
import {formatGoDuration} from '../duration.js'
import {
  CA_TYPES, EMPTY_KEY_SET, ROTATION_PHASES, type CaKeySet, type CaType, type CertAuthorityState, type RotationMode,
  type RotationPhase, type RotationSchedule,
} from '../ca/ca-state.js'

/** Teleport's defaults.RotationGracePeriod. */
export const ROTATION_GRACE_PERIOD_DEFAULT_MS = 30 * 3600_000

/** The CA types `tctl auth rotate` rotates here (the bot CA would change the server's TLS identity and every CA pin). */
export const ROTATABLE_CA_TYPES: readonly CaType[] = ['spiffe']

export interface RotateRequest {
  readonly type: string
  /** Empty or absent: init (Teleport's RotateRequest.CheckAndSetDefaults). */
  readonly targetPhase?: string
  readonly mode: 'manual' | 'auto'
  /** Absent: 30h. */
  readonly gracePeriodMs?: number
}

export interface CheckedRotateRequest {
  readonly type: CaType
  readonly targetPhase: RotationPhase
  readonly mode: 'manual' | 'auto'
  readonly gracePeriodMs: number
  readonly schedule: RotationSchedule
}

/** Teleport's types.GenerateSchedule: the grace period split evenly over the three phase changes. */
export function generateSchedule(now: Date, gracePeriodMs: number): RotationSchedule {
  if (!(gracePeriodMs > 0)) throw new BadParameterError(`invalid grace period "${formatGoDuration(gracePeriodMs)}", provide value > 0`)
  const at = (ms: number) => new Date(now.getTime() + ms)
  return {updateClients: at(Math.floor(gracePeriodMs / 3)), updateServers: at(Math.floor((gracePeriodMs * 2) / 3)), standby: at(gracePeriodMs)}
}

export function checkRotateRequest(req: RotateRequest, now: Date): CheckedRotateRequest {
  if (req.type === '') {
    throw new BadParameterError('required flag --type not provided; previous versions defaulted to --type=all which is deprecated and will be removed in a future version')
  }
  if (!(CA_TYPES as readonly string[]).includes(req.type) || !ROTATABLE_CA_TYPES.includes(req.type as CaType)) {
    throw new BadParameterError(`"${req.type}" authority type is not supported`)
  }
  const targetPhase = req.targetPhase === undefined || req.targetPhase === '' ? 'init' : req.targetPhase
  if (!(ROTATION_PHASES as readonly string[]).includes(targetPhase)) throw new BadParameterError(`unsupported phase: "${targetPhase}"`)
  const gracePeriodMs = req.gracePeriodMs ?? ROTATION_GRACE_PERIOD_DEFAULT_MS
  return {type: req.type as CaType, targetPhase: targetPhase as RotationPhase, mode: req.mode, gracePeriodMs, schedule: generateSchedule(now, gracePeriodMs)}
}

function orderError(target: RotationPhase, from: RotationPhase, current: string): BadParameterError {
  return new BadParameterError(`can only switch to phase ${target} from ${from}, current phase is ${current}`)
}

function cannotTransition(target: RotationPhase, current: string): BadParameterError {
  return new BadParameterError(`can not transition to phase "${target}" from "${current}" phase.`)
}

export interface RotationContext {
  readonly now: Date
  /** Fresh keys of the same kinds as the CA's active ones (only called for init). */
  readonly newKeys: () => Promise<CaKeySet>
  readonly id?: string
}

/** The CA's next state for the request, or a BadParameterError in Teleport's words (nothing changed). */
export async function nextRotationState(ca: CertAuthorityState, req: CheckedRotateRequest, ctx: RotationContext): Promise<CertAuthorityState> {
  const r = ca.rotation
  const mode: RotationMode = req.mode
  switch (req.targetPhase) {
    case 'init': {
      if (r.state !== 'standby') throw new BadParameterError('can not initiate rotation while another is in progress')
      const rotation = {
        state: 'in_progress' as const, phase: 'init' as const, mode, currentId: ctx.id ?? randomUUID(), started: ctx.now,
        gracePeriodMs: req.gracePeriodMs, schedule: req.schedule, ...(r.lastRotated ? {lastRotated: r.lastRotated} : {}),
      }
      return {active: ca.active, additionalTrusted: await ctx.newKeys(), rotation}
    }
    case 'update_clients':
      if (r.phase !== 'init') throw orderError('update_clients', 'init', r.phase)
      return {active: ca.additionalTrusted, additionalTrusted: ca.active, rotation: {...r, state: 'in_progress', phase: 'update_clients', mode}}
    case 'update_servers':
      if (r.phase !== 'update_clients') throw orderError('update_servers', 'update_clients', r.phase)
      return {...ca, rotation: {...r, phase: 'update_servers', mode}}
    case 'rollback': {
      if (r.phase !== 'init' && r.phase !== 'update_clients' && r.phase !== 'update_servers') throw cannotTransition('rollback', r.phase)
      const keys = r.phase === 'init' ? {active: ca.active, additionalTrusted: ca.additionalTrusted} : {active: ca.additionalTrusted, additionalTrusted: ca.active}
      // Rollback always sets the manual mode.
      return {...keys, rotation: {...r, state: 'in_progress', phase: 'rollback', mode: 'manual'}}
    }
    case 'standby': {
      if (r.phase !== 'update_servers' && r.phase !== 'rollback') throw cannotTransition('standby', r.phase)
      return {
        active: ca.active, additionalTrusted: EMPTY_KEY_SET,
        rotation: {state: 'standby', phase: 'standby', mode: '', currentId: r.currentId, gracePeriodMs: r.gracePeriodMs, lastRotated: ctx.now},
      }
    }
  }
}

/** The phase an automatic rotation is due to enter now (Teleport's autoRotate), if any. */
export function duePhase(ca: CertAuthorityState, now: Date): RotationPhase | undefined {
  const r = ca.rotation
  if (r.mode !== 'auto' || r.state !== 'in_progress' || r.schedule === undefined) return undefined
  const due = (at: Date) => at.getTime() <= now.getTime()
  if (r.phase === 'init' && due(r.schedule.updateClients)) return 'update_clients'
  if (r.phase === 'update_clients' && due(r.schedule.updateServers)) return 'update_servers'
  if (r.phase === 'update_servers' && due(r.schedule.standby)) return 'standby'
  return undefined
}
