import {Flags} from '@oclif/core'
import {BaseCommand} from '../../../cli/base.js'
import {selectorFlags} from '../../../cli/selectors.js'
import {runTbotStart, sharedStartFlags, startFlagsFrom, type AgentRun} from '../../../cli/tbot-start.js'

export default class StartX509 extends BaseCommand<AgentRun> {
  static override summary = 'Start tbot with one workload-identity-x509 output: svid.pem, svid_key.pem, svid_bundle.pem.'
  static override examples = ['<%= config.bin %> start workload-identity-x509 --token=TOKEN --destination=./svids --name-selector=my-wi']
  static override flags = {
    ...sharedStartFlags,
    destination: Flags.string({description: 'Directory to write to (a path or file:///path).', required: true}),
    ...selectorFlags,
    'include-federated-trust-bundles': Flags.boolean({description: 'Also write federated trust bundles.', default: false}),
  }

  async run(): Promise<AgentRun> {
    const {flags} = await this.parse(StartX509)
    return runTbotStart({
      serviceType: 'workload-identity-x509', dataDir: flags['data-dir'], logFormat: flags['log-format'],
      flags: {
        ...startFlagsFrom(flags), destination: flags.destination, nameSelector: flags['name-selector'],
        labelSelector: flags['label-selector'], includeFederatedTrustBundles: flags['include-federated-trust-bundles'],
      },
    })
  }

  /** Nothing more to print: the agent has reported through its log. */
  protected view(): string {
    return ''
  }
}
