import {Args} from '@oclif/core'
import {adminFlags, openAdmin} from '../../cli/admin.js'
import {BaseCommand} from '../../cli/base.js'
import {refForDelete, type ResourceRef} from '../../cli/resource-ref.js'
import {deletedMessage} from '../../cli/resource-views.js'

export default class Rm extends BaseCommand<Required<ResourceRef>> {
  static override summary = 'Delete a resource.'
  static override aliases = ['del', 'delete']
  static override examples = ['<%= config.bin %> rm workload_identity/example-workload-identity']
  static override args = {ref: Args.string({description: 'KIND/NAME', required: true})}
  static override flags = {...adminFlags}

  async run(): Promise<Required<ResourceRef>> {
    const {args, flags} = await this.parse(Rm)
    const ref = refForDelete(args.ref)
    const admin = await openAdmin(flags, this.config.version)
    await admin.deleteResource(ref.kind, ref.name)
    return ref
  }

  protected view({kind, name}: Required<ResourceRef>): string {
    return deletedMessage(kind, name) + '\n'
  }
}
