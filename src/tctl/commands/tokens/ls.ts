import {Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {renderTable, toJson, toYamlDocuments} from '../../../cli/output.js'
import {TOKEN_HEADERS, tokenRows} from '../../../cli/resource-views.js'

export default class TokensLs extends BaseCommand {
  static override summary = 'List invitation tokens.'
  static override flags = {...adminFlags, format: Flags.string({options: ['text', 'json', 'yaml'], default: 'text'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(TokensLs)
    const tokens = await (await openAdmin(flags, this.config.version)).listResources('token')
    if (flags.format === 'json') process.stdout.write(toJson(tokens))
    else if (flags.format === 'yaml') process.stdout.write(await toYamlDocuments(tokens))
    else process.stdout.write(tokens.length === 0 ? 'No active tokens found.\n' : renderTable(TOKEN_HEADERS, tokenRows(tokens)))
  }
}
