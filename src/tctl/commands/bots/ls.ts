import {Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {toJson} from '../../../cli/output.js'
import {botsTable} from '../../../cli/resource-views.js'

export default class BotsLs extends BaseCommand {
  static override summary = 'List all certificate renewal bots registered with the cluster.'
  static override flags = {...adminFlags, format: Flags.string({options: ['text', 'json'], default: 'text'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(BotsLs)
    const bots = await (await openAdmin(flags, this.config.version)).listResources('bot')
    if (flags.format === 'json') process.stdout.write(toJson(bots))
    else process.stdout.write(bots.length === 0 ? 'No bots found\n' : botsTable(bots))
  }
}
