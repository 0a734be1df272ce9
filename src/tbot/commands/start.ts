import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {runTbotStart, sharedStartFlags, startFlagsFrom} from '../../cli/tbot-start.js'

export default class Start extends BaseCommand {
  static override summary = 'Start tbot with a config file: keep the configured outputs and services running.'
  static override examples = ['<%= config.bin %> start -c tbot.yaml', '<%= config.bin %> start -c tbot.yaml --oneshot']
  static override flags = {...sharedStartFlags, config: Flags.string({char: 'c', description: 'Path to a tbot config file (v2).'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Start)
    await runTbotStart({configFile: flags.config, dataDir: flags['data-dir'], logFormat: flags['log-format'], flags: startFlagsFrom(flags)})
  }
}
