import {Args, Flags} from '@oclif/core'
import {adminFlags} from '../../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../../cli/base.js'
import {explanationText, testWorkloadIdentity} from '../../../cli/workload-identity-test.js'
import type {DecisionExplanation} from '../../../lib/authz/explain.js'

/**
 * RFD 191's `tctl workload-identity test`: the decision without issuing, explained. Exit 0 when an
 * SVID would be issued, 1 when not (after printing why).
 */
export default class WorkloadIdentityTest extends BaseCommand<DecisionExplanation> {
  static override summary = 'Explain whether a workload with the given attributes would get an SVID, without issuing one.'
  static override examples = [
    '<%= config.bin %> workload-identity test payments-processor --attributes-file attrs.yaml',
    '<%= config.bin %> workload-identity test --workload-identity-file wi.yaml --attributes-file attrs.json --format json',
  ]
  static override args = {name: Args.string({description: 'Name of a stored workload identity.'})}
  static override flags = {
    ...adminFlags,
    'workload-identity-file': Flags.string({description: 'Test a workload identity from this file instead of a stored one.'}),
    'attributes-file': Flags.string({description: 'Attributes (YAML or JSON): workload.unix.uid, user.bot_name, join.github.repository, ...', required: true}),
    format: formatFlag(['text', 'json'], 'text'),
  }

  async run(): Promise<DecisionExplanation> {
    const {args, flags} = await this.parse(WorkloadIdentityTest)
    return testWorkloadIdentity(flags, this.config.version, {name: args.name, file: flags['workload-identity-file'], attributesFile: flags['attributes-file']})
  }

  protected override async _run<T>(): Promise<T> {
    const result = await super._run<DecisionExplanation | undefined>()
    if (result !== undefined && !result.issued) this.exit(1)
    return result as T
  }

  protected view(explanation: DecisionExplanation): string {
    return explanationText(explanation)
  }
}
