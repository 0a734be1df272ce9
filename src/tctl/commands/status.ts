import {adminFlags, openAdmin} from '../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../cli/base.js'
import {statusText} from '../../cli/status-view.js'
import type {ClusterStatus} from '../../lib/backend/admin-api.js'

export default class Status extends BaseCommand<ClusterStatus> {
  static override summary = 'Report cluster status: name, version, CA pin and resource counts.'
  static override flags = {...adminFlags, format: formatFlag(['text', 'json', 'yaml'], 'text')}

  async run(): Promise<ClusterStatus> {
    const {flags} = await this.parse(Status)
    return (await openAdmin(flags, this.config.version)).status()
  }

  protected view(status: ClusterStatus): string {
    return statusText(status)
  }
}
