/** A CA's rotation in Teleport's words (api/types/authority.go: Rotation.String). */
import type {RotationStatus} from '../lib/ca/ca-state.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Go's constants.HumanDateFormatSeconds, "Jan _2 15:04:05 UTC", in UTC. */
export function humanDateSeconds(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`
}

export function rotationText(r: RotationStatus): string {
  if (r.state === 'standby') {
    return r.lastRotated === undefined ? 'standby (never rotated)' : `standby (last rotated: ${humanDateSeconds(r.lastRotated)})`
  }
  if (r.mode === 'manual') return `in progress (mode: manual, phase: ${r.phase})`
  const started = r.started ?? new Date(0)
  return `in progress (mode: automatic, phase: ${r.phase}, started: ${humanDateSeconds(started)}, ending: ${humanDateSeconds(new Date(started.getTime() + r.gracePeriodMs))})`
}
