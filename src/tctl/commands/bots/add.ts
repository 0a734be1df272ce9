import {Args, Flags} from '@oclif/core'
import {adminFlags, openAdmin, startHint} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {botAdded, botAddedText, type BotAdded} from '../../../cli/bot-views.js'
import {stderr} from '../../../cli/colors.js'
import {joinTokenTtlMs} from '../../../cli/join-token-ttl.js'
import {splitList} from '../../../cli/lists.js'

export default class BotsAdd extends BaseCommand<BotAdded> {
  static override summary = 'Add a new certificate renewal bot to the cluster, with a single-use join token.'
  static override examples = ['<%= config.bin %> bots add my-bot --roles=example-workload-identity-issuer']
  static override args = {name: Args.string({description: 'Name of the bot.', required: true})}
  static override flags = {
    ...adminFlags,
    roles: Flags.string({description: 'Roles the bot is able to assume (comma-separated).', default: ''}),
    logins: Flags.string({description: 'Logins the bot may use (comma-separated).', default: ''}),
    token: Flags.string({description: 'Name of an existing token to use.'}),
    ttl: Flags.string({description: 'TTL for the bot join token (default 1h, at most 48h).'}),
    format: formatFlag(['text', 'json'], 'text', "Output format, 'text' or 'json'."),
  }

  async run(): Promise<BotAdded> {
    const {args, flags} = await this.parse(BotsAdd)
    const tokenTtlMs = joinTokenTtlMs(flags.ttl)
    const roles = splitList(flags.roles)
    if (roles.length === 0) {
      process.stderr.write(`${stderr().yellow('WARNING:')} No roles specified. The bot will not be able to produce outputs until a role is added to the bot.\n`)
    }
    const admin = await openAdmin(flags, this.config.version)
    const result = await admin.addBot({
      name: args.name, roles, logins: splitList(flags.logins), tokenName: flags.token,
      ...(tokenTtlMs === undefined ? {} : {tokenTtlMs}),
    })
    return botAdded(result, await startHint(flags), new Date())
  }

  protected view(added: BotAdded): string {
    return botAddedText(added)
  }
}
