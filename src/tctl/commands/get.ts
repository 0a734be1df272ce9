import {Args, Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../cli/admin.js'
import {BaseCommand} from '../../cli/base.js'
import {getResources} from '../../cli/get.js'

export default class Get extends BaseCommand {
  static override summary = 'Print a YAML declaration of various cluster resources.'
  static override examples = ['<%= config.bin %> get workload_identity', '<%= config.bin %> get bot/my-bot --format json']
  static override args = {ref: Args.string({description: 'KIND[/NAME][,KIND2...] or all', required: true})}
  static override flags = {
    ...adminFlags,
    format: Flags.string({description: 'Output format.', options: ['yaml', 'json', 'text'], default: 'yaml'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Get)
    const admin = await openAdmin(flags, this.config.version)
    process.stdout.write(await getResources(admin, args.ref, flags.format as 'yaml' | 'json' | 'text'))
  }
}
