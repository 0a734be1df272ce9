import {Flags} from '@oclif/core'
import {BaseCommand} from '../../../cli/base.js'
import {selectorFlags} from '../../../cli/selectors.js'
import {runTbotStart, sharedStartFlags, startFlagsFrom, type AgentRun} from '../../../cli/tbot-start.js'

export default class StartJwt extends BaseCommand<AgentRun> {
  static override summary = 'Start tbot with one workload-identity-jwt output: jwt_svid.'
  static override examples = ['<%= config.bin %> start workload-identity-jwt --token=TOKEN --destination=./jwt --name-selector=my-wi --audience=sts.amazonaws.com']
  static override flags = {
    ...sharedStartFlags,
    destination: Flags.string({description: 'Directory to write to (a path or file:///path).', required: true}),
    ...selectorFlags,
    audience: Flags.string({description: 'Audience of the JWT-SVID; repeatable.', multiple: true, required: true}),
  }

  async run(): Promise<AgentRun> {
    const {flags} = await this.parse(StartJwt)
    return runTbotStart({
      serviceType: 'workload-identity-jwt', dataDir: flags['data-dir'], logFormat: flags['log-format'],
      flags: {
        ...startFlagsFrom(flags), destination: flags.destination, nameSelector: flags['name-selector'],
        labelSelector: flags['label-selector'], audience: flags.audience,
      },
    })
  }

  /** Nothing more to print: the agent has reported through its log. */
  protected view(): string {
    return ''
  }
}
