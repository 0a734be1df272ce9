import {Flags} from '@oclif/core'
import {adminFlags, openIssuer} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {selectorFlags, selectorFrom} from '../../../cli/selectors.js'
import {issuedText, issueToDirectory, type Issued} from '../../../cli/workload-identity.js'
import {parseDuration} from '../../../lib/duration.js'

export default class IssueX509 extends BaseCommand<Issued> {
  static override summary = 'Issue an X.509-SVID as the cluster admin and write svid.pem, svid_key.pem and svid_bundle.pem.'
  static override examples = ['<%= config.bin %> workload-identity issue-x509 --name-selector example-workload-identity --output ./svid']
  static override flags = {
    ...adminFlags,
    ...selectorFlags,
    output: Flags.string({description: 'Directory to write the files to.', required: true}),
    'credential-ttl': Flags.string({description: 'Requested lifetime (default 1h; capped by the identity).', default: '1h'}),
  }

  async run(): Promise<Issued> {
    const {flags} = await this.parse(IssueX509)
    const selector = selectorFrom(flags['name-selector'], flags['label-selector'])
    return issueToDirectory(await openIssuer(flags, this.config.version), {selector, outputDir: flags.output, ttlMs: parseDuration(flags['credential-ttl'])})
  }

  protected view(issued: Issued): string {
    return issuedText(issued)
  }
}
