/**
 * The base of every command. A command's `run()` returns its result as data; the base prints it:
 * `--format json|yaml` (where the command offers them) from the data itself, in one place, and
 * otherwise the command's `view` of it, the text a human reads. One error policy for all commands
 * (report-error.ts): `ERROR: <message>` on stderr, exit 1; usage errors exit 2; a stack trace only
 * with --debug.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {machineText} from './output.js'
import {reportError, wantsDebug} from './report-error.js'

/** oclif's parser output constraint (its FlagOutput and ArgOutput, which the package does not export). */
type Parsed = Record<string, unknown>

/** What a view prints: text for stdout, or text for each stream (a notice on stderr, say). */
export type Rendered = string | {readonly stdout?: string; readonly stderr?: string}

/** `--format`, with the formats a command offers; json and yaml are rendered by the base, others by the view. */
export function formatFlag<const F extends string>(options: readonly F[], fallback: NoInfer<F>, description = 'Output format.') {
  return Flags.option({options, default: fallback, description})()
}

export abstract class BaseCommand<Result> extends Command {
  static override baseFlags = {
    debug: Flags.boolean({char: 'd', description: 'Enable verbose logging and stack traces on errors.', default: false}),
  }

  /** The --format asked for (`text` when the command has none). */
  private format = 'text'

  abstract override run(): Promise<Result>

  /** The text a human reads for this result; `format` is the --format value when it is neither json nor yaml. */
  protected abstract view(result: Result, format: string): Rendered | Promise<Rendered>

  protected override async parse<F extends Parsed, B extends Parsed, A extends Parsed>(
    options?: Interfaces.Input<F, B, A>, argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    const flags: {format?: unknown; json?: unknown} = parsed.flags
    if (flags.json === true) this.format = 'json'
    else if (typeof flags.format === 'string') this.format = flags.format
    return parsed
  }

  protected override async _run<T>(): Promise<T> {
    const result = await super._run<Result>()
    try {
      write(await this.render(result))
    } catch (err) {
      await this.catch(err as Error)
    }
    return result as unknown as T
  }

  private async render(result: Result): Promise<Rendered> {
    if (this.format === 'json' || this.format === 'yaml') return machineText(result, this.format)
    return this.view(result, this.format)
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    const usageOf = `${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''}`.trimEnd()
    return this.exit(reportError(err, {debug: wantsDebug(this.argv), usageOf}))
  }
}

function write(rendered: Rendered): void {
  const {stdout, stderr} = typeof rendered === 'string' ? {stdout: rendered, stderr: undefined} : rendered
  if (stdout) process.stdout.write(stdout)
  if (stderr) process.stderr.write(stderr)
}
