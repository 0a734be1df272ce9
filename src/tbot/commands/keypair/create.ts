import {Flags} from '@oclif/core'
import {BaseCommand, formatFlag} from '../../../cli/base.js'

interface KeypairReport {
  readonly public_key: string
  readonly storage: string
  readonly created: boolean
}

/**
 * Teleport's `tbot keypair create` (tool/tbot, bound keypair joining): makes the bot's keypair in
 * its storage before the first join, and prints the public key for the token's
 * `spec.bound_keypair.onboarding.initial_public_key`. An existing keypair is kept and printed again
 * unless --overwrite.
 */
export default class KeypairCreate extends BaseCommand<KeypairReport> {
  static override summary = 'Creates a keypair for bound keypair joining and prints its public key.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --storage ./storage --proxy-server example.teleport.sh:443',
  ]

  static override flags = {
    storage: Flags.string({description: 'Directory for the bot\'s internal storage (the same as its `storage:` path).', required: true}),
    'proxy-server': Flags.string({
      description: 'Address of the Teleport proxy; Teleport asks it which key algorithm to use. svidkit always makes an Ed25519 key, so it is not contacted.',
    }),
    overwrite: Flags.boolean({description: 'Replace an existing keypair (a bot already bound to the old key can no longer join).', default: false}),
    format: formatFlag(['text', 'json'], 'text'),
  }

  async run(): Promise<KeypairReport> {
    const {flags} = await this.parse(KeypairCreate)
    const [{DirectoryDestination}, {createBoundKeypair}] = await Promise.all([
      import('../../../lib/tbot/destination.js'), import('../../../lib/tbot/bound-keypair.js'),
    ])
    const storage = new DirectoryDestination(flags.storage)
    await storage.init()
    const {publicKey, created} = await createBoundKeypair(storage, flags.overwrite)
    return {public_key: publicKey, storage: storage.description, created}
  }

  protected view(report: KeypairReport): string {
    const lead = report.created ? 'Generated a new keypair' : 'A keypair already exists (pass --overwrite to replace it)'
    return `${lead} in ${report.storage}.\n\nTo register the keypair with Teleport, include this public key in the token's\n` +
      '`spec.bound_keypair.onboarding.initial_public_key` field:\n\n' + `${report.public_key}\n`
  }
}
