/**
 * CLI figures (issues: foundation, operability): cold start of `tctl --help`, `tctl get
 * workload_identity` and `tbot --help` beside `node -e 0` in the same run (paired, alternating; both
 * sides without NODE_EXTRA_CA_CERTS; goal at most 2x), and creating and listing 10,000 workload
 * identities through the real binary.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {BenchFigure} from './types.js'
import {ROOT, benchEnv, median, timeProcess} from './_util.js'

const TCTL = join(ROOT, 'bin/tctl.js')
const TBOT = join(ROOT, 'bin/tbot.js')
const ROUNDS = 15

function coldStarts(dataDir: string): BenchFigure[] {
  const env = benchEnv({SVIDKIT_DATA_DIR: dataDir})
  timeProcess(process.execPath, [TCTL, 'get', 'workload_identity'], env) // warm the page cache
  const samples = {node: [] as number[], help: [] as number[], get: [] as number[], tbotHelp: [] as number[]}
  for (let i = 0; i < ROUNDS; i++) {
    samples.node.push(timeProcess(process.execPath, ['-e', '0'], env))
    samples.help.push(timeProcess(process.execPath, [TCTL, '--help'], env))
    samples.get.push(timeProcess(process.execPath, [TCTL, 'get', 'workload_identity'], env))
    samples.tbotHelp.push(timeProcess(process.execPath, [TBOT, '--help'], env))
  }
  const node = median(samples.node)
  const fig = (name: string, ms: number): BenchFigure => ({name, value: ms, unit: 'ms', limit: node, ratio: ms / node, goal: '<= 2x node -e 0'})
  return [
    {name: 'node_e0_cold_start_ms', value: node, unit: 'ms'},
    fig('tctl_help_cold_start_ms', median(samples.help)),
    fig('tctl_get_workload_identity_cold_start_ms', median(samples.get)),
    fig('tbot_help_cold_start_ms', median(samples.tbotHelp)),
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
