import {Flags} from '@oclif/core'
import {adminFlags, openIssuer} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {exportBundle, type BundleFormat} from '../../../cli/workload-identity.js'

export default class ExportBundle extends BaseCommand {
  static override summary = 'Print the trust bundle: the X.509 CA (pem), the JWT keys (jwks), or the SPIFFE bundle (spiffe).'
  static override examples = ['<%= config.bin %> workload-identity export-bundle --format pem > bundle.pem']
  static override flags = {...adminFlags, format: Flags.string({options: ['pem', 'jwks', 'spiffe'], default: 'pem'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(ExportBundle)
    process.stdout.write(await exportBundle(await openIssuer(flags, this.config.version), flags.format as BundleFormat))
  }
}
