import {Flags} from '@oclif/core'
import {BaseCommand, formatFlag} from '../../cli/base.js'
import {inspectText} from '../../cli/inspect-view.js'
import type {InspectReport} from '../../lib/workloadapi/inspect.js'

export default class SpiffeInspect extends BaseCommand<InspectReport> {
  static override summary = 'Inspects a SPIFFE Workload API endpoint to ensure it is working correctly.'
  static override description = 'Fetches X.509 SVIDs and bundles, JWT SVIDs (validated by the endpoint) and JWT ' +
    'bundles from a SPIFFE Workload API endpoint and prints them.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --path unix:///opt/machine-id/workload.sock',
    'SPIFFE_ENDPOINT_SOCKET=unix:///run/workload.sock <%= config.bin %> <%= command.id %> --format json',
  ]

  static override flags = {
    path: Flags.string({
      description: 'Path to the SPIFFE Workload API endpoint to test (default: $SPIFFE_ENDPOINT_SOCKET).',
    }),
    audience: Flags.string({description: 'Audience of the JWT SVIDs to request and validate.', default: 'example.com'}),
    format: formatFlag(['text', 'json'], 'text'),
  }

  async run(): Promise<InspectReport> {
    const {flags} = await this.parse(SpiffeInspect)
    // Heavy modules (grpc-js, proto-loader) load only when the command runs, never for --help.
    const [{createLogger}, {WorkloadApiClient}, {SOCKET_ENV}, {inspectWorkloadApi}] = await Promise.all([
      import('../../lib/log.js'), import('../../lib/workloadapi/client.js'), import('../../lib/workloadapi/address.js'),
      import('../../lib/workloadapi/inspect.js'),
    ])
    const log = createLogger({component: 'tbot', level: flags.debug ? 'debug' : 'info'})
    log.info('Inspecting SPIFFE Workload API Endpoint', {path: flags.path ?? process.env[SOCKET_ENV] ?? ''})
    const client = await WorkloadApiClient.create({address: flags.path, timeoutMs: 30_000})
    try {
      return await inspectWorkloadApi(client, flags.audience, log)
    } finally {
      client.close()
    }
  }

  protected view(report: InspectReport): Promise<string> {
    return inspectText(report, new Date())
  }
}
