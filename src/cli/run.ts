/** Entry for the bin shims: one oclif root per binary (clis/<bin>/package.json, made by the build). */

/** Global flags Teleport accepts before the command (`tctl --auth-server URL -i FILE status`). */
const VALUE_FLAGS = new Set(['--auth-server', '--identity', '-i', '--data-dir'])
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

export async function run(bin: string, binUrl: string): Promise<void> {
  const {execute} = await import('@oclif/core')
  await execute({dir: new URL(`../clis/${bin}/package.json`, binUrl).href, args: hoistGlobalFlags(process.argv.slice(2))})
}
