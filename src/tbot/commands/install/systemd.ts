import {realpathSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../../cli/base.js'
import type {InstallResult} from '../../../lib/tbot/systemd.js'

/** Teleport's `tbot install systemd` (tool/tbot/systemd.go): its flags; prints unless --write. */
export default class InstallSystemd extends BaseCommand<InstallResult & {unitName: string}> {
  static override summary = 'Install systemd unit file.'
  static override examples = ['<%= config.bin %> install systemd -c /etc/tbot.yaml', '<%= config.bin %> install systemd -c /etc/tbot.yaml --write']
  static override flags = {
    config: Flags.string({char: 'c', description: 'Path to the tbot config file the service starts with.', required: true}),
    name: Flags.string({description: 'Name for the systemd unit', default: 'tbot'}),
    group: Flags.string({description: 'The group that the service should run as', default: 'teleport'}),
    user: Flags.string({description: 'The user that the service should run as', default: 'teleport'}),
    force: Flags.boolean({description: 'Overwrite existing systemd unit file if present', default: false}),
    'systemd-directory': Flags.string({description: 'Directory to install systemd unit file', default: '/etc/systemd/system'}),
    'anonymous-telemetry': Flags.boolean({description: 'Enable anonymous telemetry', default: false}),
    write: Flags.boolean({description: 'Write the unit file; without it the unit is only printed.', default: false}),
  }

  async run(): Promise<InstallResult & {unitName: string}> {
    const {flags} = await this.parse(InstallSystemd)
    const {installSystemdUnit} = await import('../../../lib/tbot/systemd.js')
    const result = await installSystemdUnit({
      unitName: flags.name, user: flags.user, group: flags.group, anonymousTelemetry: flags['anonymous-telemetry'],
      configPath: flags.config, directory: flags['systemd-directory'], write: flags.write, force: flags.force,
      // This Node and this tbot, by absolute path: the unit must not depend on PATH.
      tbotCommand: [process.execPath, realpathSync(process.argv[1] ?? 'tbot')],
    })
    return {...result, unitName: flags.name}
  }

  protected async view(r: InstallResult & {unitName: string}): Promise<string> {
    const {installText} = await import('../../../lib/tbot/systemd.js')
    return installText(r, r.unitName)
  }
}
