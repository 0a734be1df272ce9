import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {botsText} from '../../../cli/resource-views.js'
import type {Bot} from '../../../lib/resources/types.js'

export default class BotsLs extends BaseCommand<Bot[]> {
  static override summary = 'List all certificate renewal bots registered with the cluster.'
  static override flags = {...adminFlags, format: formatFlag(['text', 'json'], 'text')}

  async run(): Promise<Bot[]> {
    const {flags} = await this.parse(BotsLs)
    return (await openAdmin(flags, this.config.version)).listResources('bot')
  }

  protected view(bots: Bot[]): string {
    return botsText(bots)
  }
}
