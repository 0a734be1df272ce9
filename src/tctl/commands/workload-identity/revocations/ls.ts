import {adminFlags, openAdmin} from '../../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../../cli/base.js'
import {revocationsText} from '../../../../cli/revocations.js'
import type {WorkloadIdentityX509Revocation} from '../../../../lib/resources/x509-revocation.js'

export default class RevocationsLs extends BaseCommand<WorkloadIdentityX509Revocation[]> {
  static override summary = 'List revocations.'
  static override flags = {...adminFlags, format: formatFlag(['text', 'json'], 'text', "Output format, 'text' or 'json'")}

  async run(): Promise<WorkloadIdentityX509Revocation[]> {
    const {flags} = await this.parse(RevocationsLs)
    return (await openAdmin(flags, this.config.version)).listResources('workload_identity_x509_revocation')
  }

  protected view(revocations: WorkloadIdentityX509Revocation[]): string {
    return revocationsText(revocations, new Date())
  }
}
