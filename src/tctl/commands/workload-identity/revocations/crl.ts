import {Flags} from '@oclif/core'
import {adminFlags, openIssuer} from '../../../../cli/admin.js'
import {BaseCommand} from '../../../../cli/base.js'
import {toPem} from '../../../../lib/ca/pem.js'
import {writeFileAtomic} from '../../../../lib/storage/atomic.js'

/**
 * `tctl workload-identity revocations crl [--out F] [--follow]`: the signed CRLs (one per trusted
 * SPIFFE CA) as PEM. Teleport streams them; here --follow checks every second and writes on change.
 */
export default class RevocationsCrl extends BaseCommand<{pem: string; out?: string}> {
  static override summary = 'Fetch the signed CRL for existing revocations.'
  static override flags = {
    ...adminFlags,
    follow: Flags.boolean({description: 'Follow the stream of CRL updates.', default: false}),
    out: Flags.string({description: 'Path to write the CRL as a file to. If unspecified, STDOUT will be used.'}),
  }

  async run(): Promise<{pem: string; out?: string}> {
    const {flags} = await this.parse(RevocationsCrl)
    const session = await openIssuer(flags, this.config.version)
    const fetchPem = async () => ((await session.trustBundle()).crls ?? []).map((der) => toPem('X509 CRL', der)).join('')
    let pem = await fetchPem()
    if (!flags.follow) return {pem, ...(flags.out !== undefined ? {out: flags.out} : {})}
    for (let last = ''; ; pem = await fetchPem()) {
      if (pem !== last) {
        if (flags.out !== undefined) {
          await writeFileAtomic(flags.out, pem, {mode: 0o644})
          process.stderr.write(`INFO Successfully wrote updated CRL path:${flags.out}\n`)
        } else {
          process.stdout.write(pem)
        }
        last = pem
      }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }

  protected async view({pem, out}: {pem: string; out?: string}): Promise<string> {
    if (out === undefined) return pem
    await writeFileAtomic(out, pem, {mode: 0o644})
    return ''
  }
}
