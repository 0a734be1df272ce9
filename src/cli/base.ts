/**
 * The base of every command: shared flags, and one error policy for all of them. Errors print as one
 * `ERROR: <message>` line on stderr (Teleport's form), exit 1; usage errors exit 2; a stack trace
 * only with --debug.
 */
import {Command, Errors, Flags} from '@oclif/core'
import {isSvidkitError} from '../lib/errors.js'

export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({char: 'd', description: 'Enable verbose logging and stack traces on errors.', default: false}),
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    const debug = this.argv.includes('--debug') || this.argv.includes('-d')
    const usage = !isSvidkitError(err) && err instanceof Errors.CLIError && err.oclif?.exit === EXIT_USAGE
    const message = (err.message || String(err)).replace(/^Error: /, '')
    process.stderr.write(`ERROR: ${message}\n`)
    if (debug && err.stack) process.stderr.write(err.stack + '\n')
    if (usage) process.stderr.write(`See '${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''} --help'.\n`)
    return this.exit(usage ? EXIT_USAGE : EXIT_ERROR)
  }
}
