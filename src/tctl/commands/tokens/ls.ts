import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {tokensText} from '../../../cli/resource-views.js'
import type {ProvisionToken} from '../../../lib/resources/types.js'

export default class TokensLs extends BaseCommand<ProvisionToken[]> {
  static override summary = 'List invitation tokens.'
  static override flags = {...adminFlags, format: formatFlag(['text', 'json', 'yaml'], 'text')}

  async run(): Promise<ProvisionToken[]> {
    const {flags} = await this.parse(TokensLs)
    return (await openAdmin(flags, this.config.version)).listResources('token')
  }

  protected view(tokens: ProvisionToken[]): string {
    return tokensText(tokens)
  }
}
