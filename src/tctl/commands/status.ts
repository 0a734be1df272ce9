import {adminFlags, openAdmin} from '../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../cli/base.js'
import {statusText} from '../../cli/status-view.js'
import type {ClusterStatus} from '../../lib/backend/admin-api.js'
import type {CaRotationStatus} from '../../lib/backend/ca-admin-api.js'

type StatusResult = ClusterStatus & {readonly authorities: readonly CaRotationStatus[]}

export default class Status extends BaseCommand<StatusResult> {
  static override summary = 'Report cluster status: name, version, CA pin, each CA\'s rotation and resource counts.'
  static override flags = {...adminFlags, format: formatFlag(['text', 'json', 'yaml'], 'text')}

  async run(): Promise<StatusResult> {
    const {flags} = await this.parse(Status)
    const admin = await openAdmin(flags, this.config.version)
    const [status, authorities] = await Promise.all([admin.status(), admin.caRotationStatus()])
    return {...status, authorities}
  }

  protected view(status: StatusResult): string {
    return statusText(status, status.authorities)
  }
}
