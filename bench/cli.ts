/**
 * CLI figures (issues: foundation, operability): cold start of `tctl --help`, `tctl get
 * workload_identity` and `tbot --help` beside `node -e 0` in the same run (paired, alternating; both
 * sides without NODE_EXTRA_CA_CERTS; goal at most 2x), and creating and listing 10,000 workload
 * identities through the real binary. Beside the binaries (one bundled file each, with its V8 code
 * cache: scripts/bundle.mjs), the same command lines through the compiled modules loaded one by one
 * (the unbundled oclif roots the in-process tests use), the candidate the bundle replaced.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {BenchFigure} from './types.js'
import {ROOT, benchEnv, median, timeProcess} from './_util.js'

const TCTL = join(ROOT, 'bin/tctl.js')
const TBOT = join(ROOT, 'bin/tbot.js')
const ROUNDS = 15

/** `node -e` running a command line through the unbundled root of `bin` (dist/roots, scripts/build.mjs). */
function unbundled(bin: string, argv: readonly string[]): string[] {
  const runCli = JSON.stringify(join(ROOT, 'dist/src/cli/run.js'))
  const root = JSON.stringify(join(ROOT, 'dist/roots', bin, 'package.json'))
  return ['--input-type=module', '-e', `const {runCli} = await import(${runCli}); process.exitCode = await runCli(${JSON.stringify(bin)}, ${JSON.stringify(argv)}, ${root})`]
}

function coldStarts(dataDir: string): BenchFigure[] {
  const env = benchEnv({SVIDKIT_DATA_DIR: dataDir})
  timeProcess(process.execPath, [TCTL, 'get', 'workload_identity'], env) // warm the page cache
  const lines = {
    help: [TCTL, '--help'], get: [TCTL, 'get', 'workload_identity'], tbotHelp: [TBOT, '--help'],
    helpUnbundled: unbundled('tctl', ['--help']), getUnbundled: unbundled('tctl', ['get', 'workload_identity']), tbotHelpUnbundled: unbundled('tbot', ['--help']),
  }
  const samples: Record<keyof typeof lines | 'node', number[]> = {node: [], help: [], get: [], tbotHelp: [], helpUnbundled: [], getUnbundled: [], tbotHelpUnbundled: []}
  for (let i = 0; i < ROUNDS; i++) {
    samples.node.push(timeProcess(process.execPath, ['-e', '0'], env))
    for (const [name, args] of Object.entries(lines)) samples[name as keyof typeof lines].push(timeProcess(process.execPath, args, env))
  }
  const node = median(samples.node)
  const fig = (name: string, ms: number): BenchFigure => ({name, value: ms, unit: 'ms', limit: node, ratio: ms / node, goal: '<= 2x node -e 0'})
  return [
    {name: 'node_e0_cold_start_ms', value: node, unit: 'ms'},
    fig('tctl_help_cold_start_ms', median(samples.help)),
    fig('tctl_get_workload_identity_cold_start_ms', median(samples.get)),
    fig('tbot_help_cold_start_ms', median(samples.tbotHelp)),
    fig('tctl_help_unbundled_cold_start_ms', median(samples.helpUnbundled)),
    fig('tctl_get_workload_identity_unbundled_cold_start_ms', median(samples.getUnbundled)),
    fig('tbot_help_unbundled_cold_start_ms', median(samples.tbotHelpUnbundled)),
  ]
}

function bulk(dataDir: string): BenchFigure[] {
  const env = benchEnv({SVIDKIT_DATA_DIR: dataDir})
  const file = join(dataDir, '..', 'wis.yaml')
  const docs = Array.from({length: 10_000}, (_, i) =>
    `kind: workload_identity\nversion: v1\nmetadata:\n  name: wi-${i}\n  labels:\n    team: t${i % 10}\nspec:\n  spiffe:\n    id: /svc/wi-${i}\n`)
  writeFileSync(file, docs.join('---\n'))
  const create = timeProcess(process.execPath, [TCTL, 'create', file], env)
  const listYaml = timeProcess(process.execPath, [TCTL, 'get', 'workload_identity'], env)
  const listText = timeProcess(process.execPath, [TCTL, 'get', 'workload_identity', '--format', 'text'], env)
  return [
    {name: 'tctl_create_10k_workload_identities_s', value: create / 1000, unit: 's'},
    {name: 'tctl_get_10k_workload_identities_yaml_s', value: listYaml / 1000, unit: 's'},
    {name: 'tctl_get_10k_workload_identities_text_s', value: listText / 1000, unit: 's'},
  ]
}

export async function bench(): Promise<BenchFigure[]> {
  const base = mkdtempSync(join(tmpdir(), 'svidkit-bench-'))
  try {
    const dataDir = join(base, 'data')
    timeProcess(process.execPath, [TCTL, 'init', '--cluster-name', 'bench.example'], benchEnv({SVIDKIT_DATA_DIR: dataDir}))
    return [...coldStarts(dataDir), ...bulk(dataDir)]
  } finally {
    rmSync(base, {recursive: true, force: true})
  }
}
