import {Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../../cli/admin.js'
import {BaseCommand} from '../../../../cli/base.js'
import {checkRevocationType, newRevocation} from '../../../../cli/revocations.js'

export default class RevocationsAdd extends BaseCommand<{serial: string}> {
  static override summary = 'Create a new revocation.'
  static override examples = ['<%= config.bin %> workload-identity revocations add --type x509 --serial 0a:1b:2c --reason compromised']
  static override flags = {
    ...adminFlags,
    serial: Flags.string({description: 'Serial number of the certificate to revoke.', required: true}),
    type: Flags.string({description: 'Type of credential to revoke (x509)', required: true}),
    reason: Flags.string({description: 'Reason for revocation.', required: true}),
    'expires-at': Flags.string({
      description: 'Time that the revocation should expire, usually this should match the expiry time of the credential. ' +
        "This should be specified using RFC3339 e.g '2024-02-05T15:04:00Z'. If unspecified, the time 1 week from now is used.",
    }),
  }

  async run(): Promise<{serial: string}> {
    const {flags} = await this.parse(RevocationsAdd)
    checkRevocationType(flags.type)
    const revocation = newRevocation({serial: flags.serial, reason: flags.reason, expiresAt: flags['expires-at'], now: new Date()})
    await (await openAdmin(flags, this.config.version)).createResources([revocation], {force: false})
    return {serial: revocation.metadata.name}
  }

  protected view({serial}: {serial: string}): string {
    return `Revocation for the X509 certificate with serial ${serial} created\n`
  }
}
