import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {runTbotStart, sharedStartFlags, startFlagsFrom, type AgentRun} from '../../cli/tbot-start.js'

export default class Start extends BaseCommand<AgentRun> {
  static override summary = 'Start tbot with a config file: keep the configured outputs and services running.'
  static override examples = ['<%= config.bin %> start -c tbot.yaml', '<%= config.bin %> start -c tbot.yaml --oneshot']
  static override flags = {...sharedStartFlags, config: Flags.string({char: 'c', description: 'Path to a tbot config file (v2).'})}

  async run(): Promise<AgentRun> {
    const {flags} = await this.parse(Start)
    return runTbotStart({configFile: flags.config, dataDir: flags['data-dir'], logFormat: flags['log-format'], flags: startFlagsFrom(flags)})
  }

  /** Nothing more to print: the agent has reported through its log. */
  protected view(): string {
    return ''
  }
}
