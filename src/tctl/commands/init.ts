import {Flags} from '@oclif/core'
import {adminFlags} from '../../cli/admin.js'
import {BaseCommand} from '../../cli/base.js'
import {initCluster} from '../../cli/init.js'

export default class Init extends BaseCommand {
  static override summary = 'Create the local cluster: its data directory and certificate authorities.'
  static override description = 'The cluster name is the SPIFFE trust domain. Without this command, first use creates a cluster named after this host.'
  static override examples = ['<%= config.bin %> init --cluster-name example.teleport.sh']
  static override flags = {
    ...adminFlags,
    'cluster-name': Flags.string({description: 'Name of the cluster: the SPIFFE trust domain.'}),
    'public-addr': Flags.string({description: 'Public address of the cluster (host[:port]); the JWT-SVID issuer is https://<public-addr>/workload-identity. Default: the cluster name.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Init)
    this.log(await initCluster(flags['data-dir'], flags['cluster-name'], flags['public-addr']))
  }
}
