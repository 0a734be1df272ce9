import {Flags} from '@oclif/core'
import {adminFlags, openLocal} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {exportOidc, wroteText} from '../../../cli/workload-identity.js'

export default class ExportOidc extends BaseCommand<{files: string[]}> {
  static override summary = 'Write the OIDC discovery document and JWKS for static hosting under the issuer URL.'
  static override description = 'Serve the files at <issuer>/.well-known/openid-configuration and <issuer>/jwt-jwks.json; AWS OIDC federation then works with no server running.'
  static override examples = ['<%= config.bin %> workload-identity export-oidc --issuer https://example.teleport.sh/workload-identity --out ./site/workload-identity']
  static override flags = {
    ...adminFlags,
    issuer: Flags.string({description: 'Issuer URL (default, and the only accepted value: the cluster\'s).'}),
    out: Flags.string({description: 'Directory to write to.', required: true}),
  }

  async run(): Promise<{files: string[]}> {
    const {flags} = await this.parse(ExportOidc)
    return exportOidc(await openLocal(flags, this.config.version), flags.out, flags.issuer)
  }

  protected view(result: {files: string[]}): string {
    return wroteText(result)
  }
}
