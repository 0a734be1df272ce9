import {Args, Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand, type Rendered} from '../../../cli/base.js'
import {optionalList} from '../../../cli/lists.js'
import type {UpdateBotResult} from '../../../lib/backend/admin-api.js'

export default class BotsUpdate extends BaseCommand<UpdateBotResult> {
  static override summary = "Update an existing bot's roles or logins."
  static override examples = ['<%= config.bin %> bots update my-bot --add-roles example-workload-identity-issuer']
  static override args = {name: Args.string({description: 'Name of the bot.', required: true})}
  static override flags = {
    ...adminFlags,
    'set-roles': Flags.string({description: 'Replace the bot\'s roles with this comma-separated list.'}),
    'add-roles': Flags.string({description: 'Add these comma-separated roles.'}),
    'set-logins': Flags.string({description: 'Replace the bot\'s logins with this comma-separated list.'}),
    'add-logins': Flags.string({description: 'Add these comma-separated logins.'}),
  }

  async run(): Promise<UpdateBotResult> {
    const {args, flags} = await this.parse(BotsUpdate)
    const admin = await openAdmin(flags, this.config.version)
    return admin.updateBot({
      name: args.name,
      setRoles: optionalList(flags['set-roles']), addRoles: optionalList(flags['add-roles']),
      setLogins: optionalList(flags['set-logins']), addLogins: optionalList(flags['add-logins']),
    })
  }

  /** On stderr: Teleport logs these lines (tool/tctl/common/bots_command.go, UpdateBot). */
  protected view({changed}: UpdateBotResult): Rendered {
    return {stderr: changed ? 'Bot has been updated, roles will take effect on its next renewal\n' : 'No changes requested, nothing to do\n'}
  }
}
