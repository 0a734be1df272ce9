import {Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../../../cli/admin.js'
import {BaseCommand} from '../../../../cli/base.js'
import {checkRevocationType, revocationName} from '../../../../cli/revocations.js'

export default class RevocationsRm extends BaseCommand<{serial: string}> {
  static override summary = 'Delete a revocation.'
  static override flags = {
    ...adminFlags,
    serial: Flags.string({description: 'Serial number of the certificate to remove the revocation for.', required: true}),
    type: Flags.string({description: 'Type of credential to remove the revocation for (x509).', required: true}),
  }

  async run(): Promise<{serial: string}> {
    const {flags} = await this.parse(RevocationsRm)
    checkRevocationType(flags.type)
    const serial = revocationName(flags.serial)
    await (await openAdmin(flags, this.config.version)).deleteResource('workload_identity_x509_revocation', serial)
    return {serial}
  }

  protected view({serial}: {serial: string}): string {
    return `Revocation for the X509 certificate with serial ${serial} deleted\n`
  }
}
