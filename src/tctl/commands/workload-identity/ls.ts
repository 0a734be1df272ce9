import {adminFlags, openAdmin} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {renderTable} from '../../../cli/output.js'
import type {WorkloadIdentity} from '../../../lib/resources/types.js'

/** Teleport's tool/tctl/common/workload_identity_command.go ListWorkloadIdentities: `Name | SPIFFE ID`. */
export default class WorkloadIdentityLs extends BaseCommand<WorkloadIdentity[]> {
  static override summary = 'List workload identity configurations.'
  static override flags = {...adminFlags, format: formatFlag(['text', 'json'], 'text')}

  async run(): Promise<WorkloadIdentity[]> {
    const {flags} = await this.parse(WorkloadIdentityLs)
    return (await openAdmin(flags, this.config.version)).listResources('workload_identity')
  }

  protected view(wis: WorkloadIdentity[]): string {
    if (wis.length === 0) return 'No workload identities configured\n'
    return renderTable(['Name', 'SPIFFE ID'], wis.map((wi) => [wi.metadata.name, wi.spec.spiffe.id])) + '\n'
  }
}
