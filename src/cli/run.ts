/** Entry for the bin shims: one oclif root per binary (clis/<bin>/package.json, made by the build). */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Interfaces} from '@oclif/core'

/** Global flags Teleport accepts before the command (`tctl --auth-server URL -i FILE status`, `tctl -c teleport.yaml get all`). */
const VALUE_FLAGS = new Set(['--auth-server', '--identity', '-i', '--data-dir', '-c', '--config'])
const BOOLEAN_FLAGS = new Set(['--insecure', '--debug', '-d'])

/**
 * oclif finds the command in the leading words, so known global flags written before it are moved
 * after it; anything else (`--help`, `--version`, an unknown flag) stops the scan untouched.
 */
export function hoistGlobalFlags(argv: readonly string[]): string[] {
  const hoisted: string[] = []
  let i = 0
  while (i < argv.length) {
    const token = argv[i]!
    const name = token.split('=', 1)[0]!
    let taken: number
    if (VALUE_FLAGS.has(name) && token.includes('=')) taken = 1
    else if (VALUE_FLAGS.has(name) && i + 1 < argv.length) taken = 2
    else if (BOOLEAN_FLAGS.has(token)) taken = 1
    else break
    hoisted.push(...argv.slice(i, i + taken))
    i += taken
  }
  if (hoisted.length === 0 || i >= argv.length) return [...argv]
  return [...argv.slice(i), ...hoisted]
}

/**
 * Runs one command line to its exit code: what the binaries do, and what the in-process command
 * tests call, so both see the same output and the same codes. Commands report their own errors
 * (base.ts) and end in an ExitError carrying the code; anything else failed before a command ran
 * (an unknown command, a config that does not load) and is reported here the same way. The oclif
 * root is loaded from its package.json on each call, as each process does: a Config object reused
 * across runs loses subcommands after some help pages.
 */
export async function runCli(bin: string, argv: readonly string[], root: string | Interfaces.LoadOptions): Promise<number> {
  const [{run, Errors}, {EXIT_OK, reportError, wantsDebug}] = await Promise.all([import('@oclif/core'), import('./report-error.js')])
  try {
    await run(hoistGlobalFlags(argv), root)
    return EXIT_OK
  } catch (err) {
    if (err instanceof Errors.ExitError) return err.oclif.exit ?? 1
    return reportError(err, {debug: wantsDebug(argv), usageOf: bin})
  }
}

/**
 * Entry for the bin shims. The process exits as soon as the command is done and its output flushed:
 * at once on failure, as oclif's own handler does (a lingering socket must not hold it), and on
 * success too. Left to end by itself, Node first waits for V8's background compile jobs and frees
 * the heap piece by piece, some 15 ms of a short command here (the cli bench). A command that
 * writes anything asynchronously (a log file, standard error) waits for it before returning.
 */
export async function run(bin: string, binUrl: string): Promise<void> {
  const code = await runCli(bin, process.argv.slice(2), oclifRoot(bin, binUrl))
  if (code !== 0) process.exit(code)
  const {flush} = await import('@oclif/core')
  await flush()
  process.exit()
}

/**
 * The binary's oclif root, its package.json read here: given both, oclif neither searches for the
 * root nor reads the file again (@oclif/core lib/config/plugin.js), some milliseconds of each start.
 * The binaries take no plugins, so oclif does not look for a user's (a file read at every start).
 */
function oclifRoot(bin: string, binUrl: string): Interfaces.LoadOptions {
  const root = fileURLToPath(new URL(`../clis/${bin}/`, binUrl))
  return {root, pjson: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Interfaces.PJSON, userPlugins: false, devPlugins: false}
}
