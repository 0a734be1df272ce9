import {adminFlags, formatFlag, openAdmin} from '../../cli/admin.js'
import {BaseCommand} from '../../cli/base.js'
import {statusText} from '../../cli/status-view.js'
import {toJson, toYamlDocuments} from '../../cli/output.js'

export default class Status extends BaseCommand {
  static override summary = 'Report cluster status: name, version, CA pin and resource counts.'
  static override flags = {...adminFlags, format: formatFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const status = await (await openAdmin(flags, this.config.version)).status()
    if (flags.format === 'json') process.stdout.write(toJson(status))
    else if (flags.format === 'yaml') process.stdout.write(await toYamlDocuments([status]))
    else process.stdout.write(statusText(status))
  }
}
