/**
 * Colour for what the commands print, through chalk: `stdout()` for text on standard output,
 * `stderr()` for error and warning lines, each at the level supports-color (chalk's detection: a TTY,
 * FORCE_COLOR, TERM) finds for that stream, found when the stream's colour is first asked for, so a
 * run that prints no colour never checks for a terminal (which loads Node's tty and net). chalk
 * does not read NO_COLOR (https://no-color.org), so it is checked here, at each call, and wins over
 * FORCE_COLOR: a user who asks for no colour gets none.
 */
import {Chalk, type ChalkInstance, type ColorSupportLevel} from 'chalk'
import {supportsColor} from 'supports-color'

const plain = new Chalk({level: 0})
const found = new Map<NodeJS.WriteStream, ChalkInstance>()

function noColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== ''
}

function colourFor(stream: NodeJS.WriteStream): ChalkInstance {
  if (noColor()) return plain
  let instance = found.get(stream)
  if (instance === undefined) {
    const support = supportsColor(stream)
    instance = new Chalk({level: support === false ? 0 : support.level as ColorSupportLevel})
    found.set(stream, instance)
  }
  return instance
}

/** For text written to standard output (table headers, PASS/FAIL). */
export function stdout(): ChalkInstance {
  return colourFor(process.stdout)
}

/** For lines written to standard error (`ERROR:`, `WARNING:`). */
export function stderr(): ChalkInstance {
  return colourFor(process.stderr)
}
