import {Flags} from '@oclif/core'
import {adminFlags, openAdmin, startHint} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {tokenAddedText} from '../../../cli/bot-views.js'
import {joinTokenTtlMs} from '../../../cli/join-token-ttl.js'
import {toJson, toYamlDocuments} from '../../../cli/output.js'
import {BadParameterError} from '../../../lib/errors.js'

export default class TokensAdd extends BaseCommand {
  static override summary = 'Create an invitation token (bot tokens; --bot-name is our addition to Teleport\'s flags).'
  static override examples = ['<%= config.bin %> tokens add --type=bot --bot-name=my-bot --ttl=30m']
  static override flags = {
    ...adminFlags,
    type: Flags.string({description: 'Type of token: bot.', required: true}),
    'bot-name': Flags.string({description: 'The bot this token enrols.'}),
    value: Flags.string({description: 'Override the default random generated token value.'}),
    ttl: Flags.string({description: 'Time to live for the token (default 30m, at most 48h).'}),
    format: Flags.string({options: ['text', 'json', 'yaml'], default: 'text'}),
  }

  async run(): Promise<void> {
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
    if (flags.format === 'json') process.stdout.write(toJson(token))
    else if (flags.format === 'yaml') process.stdout.write(await toYamlDocuments([token]))
    else process.stdout.write(tokenAddedText(token, {where: await startHint(flags)}, new Date()))
  }
}
