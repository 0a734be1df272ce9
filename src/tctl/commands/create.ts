import {Args, Flags} from '@oclif/core'
import {adminFlags, openAdmin} from '../../cli/admin.js'
import {BaseCommand} from '../../cli/base.js'
import {createdText} from '../../cli/resource-views.js'
import type {CreateOutcome} from '../../lib/backend/admin-api.js'
import {readResourceInput} from '../../lib/input/resource-input.js'
import {parseResources} from '../../lib/resources/parse.js'
import {validateExpression} from '../../lib/authz/expression/index.js'

export default class Create extends BaseCommand<CreateOutcome[]> {
  static override summary = 'Create or update a resource from a YAML or JSON file.'
  static override description = 'Documents are checked first, then applied in order. -f is short for --force, not a file flag.'
  static override examples = ['<%= config.bin %> create -f workload-identity.yaml', 'cat role.yaml | <%= config.bin %> create']
  static override args = {filename: Args.string({description: 'Resource file; omitted or "-" reads standard input.', ignoreStdin: true})}
  static override flags = {
    ...adminFlags,
    force: Flags.boolean({char: 'f', description: 'Overwrite the resource if it already exists.', default: false}),
  }

  async run(): Promise<CreateOutcome[]> {
    const {args, flags} = await this.parse(Create)
    const {text, file} = await readResourceInput(args.filename ?? '-')
    const resources = parseResources(text, file, {validateExpression, creating: true})
    const admin = await openAdmin(flags, this.config.version)
    return admin.createResources(resources, {force: flags.force})
  }

  protected view(outcomes: CreateOutcome[]): string {
    return createdText(outcomes)
  }
}
