import {Flags} from '@oclif/core'
import {adminFlags, openIssuer} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {selectorFlags, selectorFrom} from '../../../cli/selectors.js'
import {issuedText, issueToDirectory, type Issued} from '../../../cli/workload-identity.js'
import {parseDuration} from '../../../lib/duration.js'

export default class IssueJwt extends BaseCommand<Issued> {
  static override summary = 'Issue a JWT-SVID as the cluster admin and write it to jwt_svid.'
  static override examples = ['<%= config.bin %> workload-identity issue-jwt --name-selector example-workload-identity --audience sts.amazonaws.com --output ./jwt']
  static override flags = {
    ...adminFlags,
    ...selectorFlags,
    audience: Flags.string({description: 'Audience; repeatable.', multiple: true, required: true}),
    output: Flags.string({description: 'Directory to write jwt_svid to.', required: true}),
    'credential-ttl': Flags.string({description: 'Requested lifetime (default 1h; capped by the identity).', default: '1h'}),
  }

  async run(): Promise<Issued> {
    const {flags} = await this.parse(IssueJwt)
    const selector = selectorFrom(flags['name-selector'], flags['label-selector'])
    return issueToDirectory(await openIssuer(flags, this.config.version), {
      selector, outputDir: flags.output, ttlMs: parseDuration(flags['credential-ttl']), audiences: flags.audience,
    })
  }

  protected view(issued: Issued): string {
    return issuedText(issued)
  }
}
