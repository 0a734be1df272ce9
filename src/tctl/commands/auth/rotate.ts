import {Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {ROTATION_PHASES} from '../../../lib/ca/ca-state.js'
import {parseDuration} from '../../../lib/duration.js'

interface Rotated {
  readonly type: string
  readonly phase: string
  /** The --phase given (empty: the rotation was initiated). */
  readonly targetPhase: string
}

/** `tctl auth rotate` (Teleport's tool/tctl/common/auth_command.go: RotateCertAuthority). */
export default class AuthRotate extends BaseCommand<Rotated> {
  static override summary = 'Rotate certificate authorities in the cluster.'
  static override description =
    'Manual: --manual --phase init, then update_clients, update_servers and standby (or rollback, then standby). ' +
    'New keys are trusted from init, sign from update_clients, and the old ones stop being trusted at standby. ' +
    'Without --manual the phases follow each other over --grace-period (a third each).'
  static override examples = [
    '<%= config.bin %> auth rotate --type spiffe --manual --phase init',
    '<%= config.bin %> auth rotate --type spiffe --grace-period 3h',
  ]
  static override flags = {
    ...adminFlags,
    'grace-period': Flags.string({
      description: 'Grace period keeps previous certificate authorities signatures valid, if set to 0 will force users to re-login and nodes to re-register.',
      default: '30h0m0s',
    }),
    manual: Flags.boolean({description: 'Activate manual rotation , set rotation phases manually', default: false}),
    type: Flags.string({description: 'Certificate authority to rotate, one of: spiffe'}),
    phase: Flags.string({description: `Target rotation phase to set, used in manual rotation, one of: ${ROTATION_PHASES.join(', ')}`}),
  }

  async run(): Promise<Rotated> {
    const {flags} = await this.parse(AuthRotate)
    const admin = await openAdmin(flags, this.config.version)
    const targetPhase = flags.phase ?? ''
    const {type, rotation} = await admin.rotateCertAuthority({
      type: flags.type ?? '', targetPhase, mode: flags.manual ? 'manual' : 'auto', gracePeriodMs: parseDuration(flags['grace-period']),
    })
    return {type, phase: rotation.phase, targetPhase}
  }

  protected view({targetPhase}: Rotated): string {
    return targetPhase !== ''
      ? `Updated rotation phase to "${targetPhase}". To check status use 'tctl status'\n`
      : "Initiated certificate authority rotation. To check status use 'tctl status'\n"
  }
}
