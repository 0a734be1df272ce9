import {Args} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'

export default class TokensRm extends BaseCommand<{token: string}> {
  static override summary = 'Delete (revoke) an invitation token.'
  static override args = {token: Args.string({description: 'The token to delete.', required: true})}
  static override flags = {...adminFlags}

  async run(): Promise<{token: string}> {
    const {args, flags} = await this.parse(TokensRm)
    await (await openAdmin(flags, this.config.version)).deleteResource('token', args.token)
    return {token: args.token}
  }

  protected view({token}: {token: string}): string {
    return `Token ${token} has been deleted.\n`
  }
}
