import {Flags} from '@oclif/core'
import {BaseCommand} from '../../../cli/base.js'
import {selectorFlags} from '../../../cli/selectors.js'
import {runTbotStart, sharedStartFlags, startFlagsFrom, type AgentRun} from '../../../cli/tbot-start.js'

export default class StartApi extends BaseCommand<AgentRun> {
  static override summary = 'Start tbot serving the SPIFFE Workload API on a Unix socket (or tcp://IP:PORT).'
  static override examples = ['<%= config.bin %> start workload-identity-api --token=TOKEN --listen=unix:///run/wl.sock --name-selector=my-wi']
  static override flags = {
    ...sharedStartFlags,
    listen: Flags.string({description: 'Address to listen on: unix:///path or tcp://IP:PORT.', required: true}),
    'socket-mode': Flags.string({description: 'Mode of the Unix socket, octal (default 0777: attestation decides what callers get).'}),
    ...selectorFlags,
  }

  async run(): Promise<AgentRun> {
    const {flags} = await this.parse(StartApi)
    return runTbotStart({
      serviceType: 'workload-identity-api', dataDir: flags['data-dir'], logFormat: flags['log-format'],
      flags: {...startFlagsFrom(flags), listen: flags.listen, socketMode: flags['socket-mode'], nameSelector: flags['name-selector'], labelSelector: flags['label-selector']},
    })
  }

  /** Nothing more to print: the agent has reported through its log. */
  protected view(): string {
    return ''
  }
}
