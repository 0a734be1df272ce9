import {Args} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'

export default class BotsRm extends BaseCommand<{name: string}> {
  static override summary = 'Permanently remove a certificate renewal bot from the cluster, with its unused join tokens.'
  static override args = {name: Args.string({description: 'Name of the bot.', required: true})}
  static override flags = {...adminFlags}

  async run(): Promise<{name: string}> {
    const {args, flags} = await this.parse(BotsRm)
    await (await openAdmin(flags, this.config.version)).deleteBot(args.name)
    return {name: args.name}
  }

  protected view({name}: {name: string}): string {
    return `Bot "${name}" deleted successfully.\n`
  }
}
