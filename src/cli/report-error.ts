/**
 * How a failure reaches the user, for every command and for what fails before one runs (an unknown
 * command): `ERROR: <message>` on stderr as Teleport's tctl prints it (lib/utils/cli.go), a stack
 * trace only with --debug, and the exit code: 2 for usage errors (with a pointer to --help), 1 for
 * the rest.
 */
import {Errors} from '@oclif/core'
import {BadParameterError, isSvidkitError} from '../lib/errors.js'
import {stderr} from './colors.js'

export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

/** The command line asks for something the command cannot do (a flag it refuses, a wrong combination). */
export class UsageError extends BadParameterError {}

/** oclif's parser errors, and its "command not found", carry exit 2; ours are usage errors by class. */
export function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true
  return !isSvidkitError(err) && err instanceof Errors.CLIError && err.oclif?.exit === EXIT_USAGE
}

export function wantsDebug(argv: readonly string[]): boolean {
  return argv.includes('--debug') || argv.includes('-d')
}

export interface ReportOptions {
  readonly debug: boolean
  /** `tctl get`: where a usage error points for help (`See 'tctl get --help'.`). */
  readonly usageOf: string
}

/** Prints the error and returns the exit code for it. */
export function reportError(err: unknown, options: ReportOptions): number {
  const error = err instanceof Error ? err : new Error(String(err))
  const usage = isUsageError(error)
  // oclif's parser ends its messages with its own hint; ours (below) names the command.
  const message = (error.message || String(error)).replace(/^Error: /, '').replace(/\nSee more help with --help$/, '')
  const lines = [`${stderr().red('ERROR:')} ${message}`]
  if (options.debug && error.stack) lines.push(error.stack)
  if (usage) lines.push(`See '${options.usageOf} --help'.`)
  process.stderr.write(lines.join('\n') + '\n')
  return usage ? EXIT_USAGE : EXIT_ERROR
}
