import {Args} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'

/** Teleport's tool/tctl/common/workload_identity_command.go DeleteWorkloadIdentity. */
export default class WorkloadIdentityRm extends BaseCommand<{name: string}> {
  static override summary = 'Delete a workload identity configuration.'
  static override args = {name: Args.string({description: 'Name of the workload identity to delete.', required: true})}
  static override flags = {...adminFlags}

  async run(): Promise<{name: string}> {
    const {args, flags} = await this.parse(WorkloadIdentityRm)
    await (await openAdmin(flags, this.config.version)).deleteResource('workload_identity', args.name)
    return {name: args.name}
  }

  protected view({name}: {name: string}): string {
    return `Workload Identity "${name}" deleted successfully.\n`
  }
}
