import {Flags} from '@oclif/core'
import {adminFlags, openAdmin, startHint} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {tokenAdded, tokenAddedText, type TokenAdded} from '../../../cli/bot-views.js'
import {joinTokenTtlMs} from '../../../cli/join-token-ttl.js'
import {BadParameterError} from '../../../lib/errors.js'

export default class TokensAdd extends BaseCommand<TokenAdded> {
  static override summary = 'Create an invitation token (bot tokens; --bot-name is our addition to Teleport\'s flags).'
  static override examples = ['<%= config.bin %> tokens add --type=bot --bot-name=my-bot --ttl=30m']
  static override flags = {
    ...adminFlags,
    type: Flags.string({description: 'Type of token: bot.', required: true}),
    'bot-name': Flags.string({description: 'The bot this token enrols.'}),
    value: Flags.string({description: 'Override the default random generated token value.'}),
    ttl: Flags.string({description: 'Time to live for the token (default 30m, at most 48h).'}),
    format: formatFlag(['text', 'json', 'yaml'], 'text'),
  }

  async run(): Promise<TokenAdded> {
    const {flags} = await this.parse(TokensAdd)
    const ttlMs = joinTokenTtlMs(flags.ttl)
    if (flags.type.toLowerCase() !== 'bot') throw new BadParameterError(`unsupported token type "${flags.type}": only "bot" tokens are supported`)
    // Teleport's own message when a Bot token has no bot name (api/types/provisioning.go).
    if (!flags['bot-name']) throw new BadParameterError('token with role "Bot" must set bot_name')
    const admin = await openAdmin(flags, this.config.version)
    const token = await admin.addToken({
      type: 'bot', botName: flags['bot-name'], value: flags.value,
      ttlMs,
    })
    return tokenAdded(token, await startHint(flags), new Date())
  }

  protected view(added: TokenAdded): string {
    return tokenAddedText(added)
  }
}
