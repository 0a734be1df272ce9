import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

/** The config file the server ran with, once it has stopped. */
interface ServerRun {
  readonly configFile: string
}

export default class Start extends BaseCommand<ServerRun> {
  static override summary = 'Start the auth and proxy service: the public OIDC and SPIFFE endpoints and the API for tctl and tbot.'
  static override description =
    'Reads a Teleport config v3 file (teleport.data_dir, auth_service.cluster_name, proxy_service.web_listen_addr, ' +
    'public_addr, https_keypairs). The data directory is created on first start. SIGTERM or SIGINT stops it gracefully.'
  static override examples = ['<%= config.bin %> start -c /etc/teleport.yaml']
  static override flags = {
    config: Flags.string({char: 'c', description: 'Path to a configuration file (v3).', default: '/etc/teleport.yaml'}),
  }

  async run(): Promise<ServerRun> {
    const {flags} = await this.parse(Start)
    const {runServer} = await import('../../lib/server/run.js')
    await runServer(flags.config, {version: this.config.version, debug: flags.debug})
    return {configFile: flags.config}
  }

  /** Nothing more to print: the server has reported through its log. */
  protected view(): string {
    return ''
  }
}
