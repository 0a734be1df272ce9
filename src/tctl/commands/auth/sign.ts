import {Flags} from '@oclif/core'
import {configFlag, dataDirFlag} from '../../../cli/admin.js'
import {BaseCommand} from '../../../cli/base.js'
import {resolveDataDir} from '../../../lib/backend/local/data-dir.js'
import {parseDuration} from '../../../lib/duration.js'

interface Signed {
  readonly user: string
  readonly out: string
  readonly expiresAt: Date
}

export default class AuthSign extends BaseCommand<Signed> {
  static override summary = 'Create an identity file for a user: the admin identity for tctl --auth-server.'
  static override description =
    'Runs on the cluster\'s host (it needs the CA key in the data directory). The file holds a private key, a client ' +
    'certificate for the user with admin rights, and the cluster CA; keep it secret (it is written 0600).'
  static override examples = [
    '<%= config.bin %> auth sign --user admin --out admin.pem --ttl 12h',
    '<%= config.bin %> --auth-server teleport.example.com:3080 --identity admin.pem status',
  ]
  static override flags = {
    'data-dir': dataDirFlag,
    config: configFlag,
    user: Flags.string({description: 'The user the identity names.', required: true}),
    out: Flags.string({char: 'o', description: 'Where to write the identity file.', required: true}),
    ttl: Flags.string({description: 'How long the identity is valid.', default: '12h'}),
    format: Flags.string({description: 'Identity format.', options: ['file'], default: 'file'}),
    overwrite: Flags.boolean({description: 'Replace the output file if it exists.', default: false}),
  }

  async run(): Promise<Signed> {
    const {flags} = await this.parse(AuthSign)
    const {signIdentityFile} = await import('../../../cli/auth-sign.js')
    const {expiresAt} = await signIdentityFile({
      ...(flags.config !== undefined ? {config: flags.config} : {dataDir: resolveDataDir(flags['data-dir'])}), user: flags.user, ttlMs: parseDuration(flags.ttl), out: flags.out, overwrite: flags.overwrite,
    })
    return {user: flags.user, out: flags.out, expiresAt}
  }

  protected view({out}: Signed): string {
    return `The credentials have been written to ${out}\n`
  }
}
