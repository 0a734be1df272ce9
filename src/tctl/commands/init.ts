import {Flags} from '@oclif/core'
import {AUTH_SERVER_ENV, dataDirFlag, refuseAuthServer} from '../../cli/admin.js'
import {BaseCommand} from '../../cli/base.js'
import {initCluster, initText, type InitResult} from '../../cli/init.js'

export default class Init extends BaseCommand<InitResult> {
  static override summary = 'Create the local cluster: its data directory and certificate authorities.'
  static override description = 'The cluster name is the SPIFFE trust domain. Without this command, first use creates a cluster named after this host. ' +
    'Runs on the cluster\'s host only: a server is created by "teleport start".'
  static override examples = ['<%= config.bin %> init --cluster-name example.teleport.sh']
  static override flags = {
    'data-dir': dataDirFlag,
    // Declared, hidden, so that a server given by flag or by $TELEPORT_AUTH_SERVER is refused rather than ignored.
    'auth-server': Flags.string({hidden: true, env: AUTH_SERVER_ENV}),
    'cluster-name': Flags.string({description: 'Name of the cluster: the SPIFFE trust domain.'}),
    'public-addr': Flags.string({description: 'Public address of the cluster (host[:port]); the JWT-SVID issuer is https://<public-addr>/workload-identity. Default: the cluster name.'}),
  }

  async run(): Promise<InitResult> {
    const {flags} = await this.parse(Init)
    refuseAuthServer(flags, `"tctl init" creates a cluster in a local data directory and cannot run against --auth-server (or $${AUTH_SERVER_ENV}); run it on the cluster's host`)
    return initCluster(flags['data-dir'], flags['cluster-name'], flags['public-addr'])
  }

  protected view(result: InitResult): string {
    return initText(result)
  }
}
