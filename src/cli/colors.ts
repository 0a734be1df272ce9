/**
 * Colour for what the commands print, through chalk: `stdout()` for text on standard output,
 * `stderr()` for error and warning lines, each at the level chalk's supports-color found for that
 * stream (a TTY, FORCE_COLOR, TERM). chalk does not read NO_COLOR (https://no-color.org), so it is
 * checked here, at each call, and wins over FORCE_COLOR: a user who asks for no colour gets none.
 */
import chalk, {Chalk, chalkStderr, type ChalkInstance} from 'chalk'

const plain = new Chalk({level: 0})

function noColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== ''
}

/** For text written to standard output (table headers, PASS/FAIL). */
export function stdout(): ChalkInstance {
  return noColor() ? plain : chalk
}

/** For lines written to standard error (`ERROR:`, `WARNING:`). */
export function stderr(): ChalkInstance {
  return noColor() ? plain : chalkStderr
}
