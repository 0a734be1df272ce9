import {adminFlags, openIssuer} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {bundleText, exportBundle} from '../../../cli/workload-identity.js'
import type {TrustBundle} from '../../../lib/issuance/contract.js'

export default class ExportBundle extends BaseCommand<TrustBundle> {
  static override summary = 'Print the trust bundle: the X.509 CA (pem), the JWT keys (jwks), or the SPIFFE bundle (spiffe).'
  static override examples = ['<%= config.bin %> workload-identity export-bundle --format pem > bundle.pem']
  static override flags = {...adminFlags, format: formatFlag(['pem', 'jwks', 'spiffe'], 'pem', 'Bundle format.')}

  async run(): Promise<TrustBundle> {
    const {flags} = await this.parse(ExportBundle)
    return exportBundle(await openIssuer(flags, this.config.version))
  }

  protected view(bundle: TrustBundle, format: string): Promise<string> {
    return bundleText(bundle, format)
  }
}
