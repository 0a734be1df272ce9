/**
 * The source tree's import graph, read from the TypeScript files under src/ (static, dynamic and
 * type-only imports alike), and the walls docs/ARCHITECTURE.md describes as checks over it.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join, posix, relative} from 'node:path'

/** File (repo-relative, `src/lib/x.ts`) → what it imports: repo-relative files, or bare specifiers (`node:fs`, `undici`). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm

export function readImportGraph(root: string): ImportGraph {
  const graph = new Map<string, string[]>()
  const walk = (dir: string): string[] => readdirSync(join(root, dir), {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? walk(posix.join(dir, e.name)) : e.name.endsWith('.ts') ? [posix.join(dir, e.name)] : [])
  for (const file of walk('src')) {
    const text = readFileSync(join(root, file), 'utf8')
    const targets: string[] = []
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]
      if (spec === undefined) continue
      targets.push(spec.startsWith('.') ? relative(root, join(root, dirname(file), spec)).replace(/\.js$/, '.ts') : spec)
    }
    graph.set(file, targets)
  }
  return graph
}

/** `importer → imported` for each edge that breaks a rule, with the chain when the break is indirect. */
export interface Violation {
  readonly wall: string
  readonly path: string
}

const IO_MODULES = /^(node:)?(fs|fs\/promises|net|tls|http|https|http2|child_process|dgram|dns|worker_threads)$|^undici$|^@grpc\//
const under = (prefixes: readonly string[]) => (file: string) => prefixes.some((p) => file.startsWith(p))

const isLib = under(['src/lib/'])
const isCommandSide = under(['src/cli/', 'src/tctl/', 'src/tbot/', 'src/teleport/'])
const isPure = under(['src/lib/spiffe/', 'src/lib/resources/', 'src/lib/document/', 'src/lib/authz/', 'src/lib/issuance/'])
const isClient = under(['src/lib/backend/remote/', 'src/lib/net/', 'src/lib/tbot/', 'src/lib/workloadapi/', 'src/lib/spiffe/', 'src/lib/tlsconfig/'])
const isServer = under(['src/lib/server/'])
const isTbot = under(['src/lib/tbot/'])

/** A path from `from` to a file matching `bad` through relative imports, or undefined. */
function pathTo(graph: ImportGraph, from: string, bad: (target: string) => boolean): string[] | undefined {
  const previous = new Map<string, string>()
  const queue = [from]
  const seen = new Set(queue)
  while (queue.length > 0) {
    const file = queue.shift()!
    for (const target of graph.get(file) ?? []) {
      if (bad(target)) {
        const chain = [target, file]
        for (let at = file; previous.has(at);) chain.push((at = previous.get(at)!))
        return chain.reverse()
      }
      if (graph.has(target) && !seen.has(target)) {
        seen.add(target)
        previous.set(target, file)
        queue.push(target)
      }
    }
  }
  return undefined
}

export function checkWalls(graph: ImportGraph): Violation[] {
  const violations: Violation[] = []
  const report = (wall: string, chain: string[] | undefined) => {
    if (chain !== undefined) violations.push({wall, path: chain.join(' → ')})
  }
  for (const [file, targets] of graph) {
    if (isLib(file)) {
      for (const t of targets) if (isCommandSide(t)) report('lib never imports commands or src/cli', [file, t])
    }
    if (!isTbot(file) && !isCommandSide(file)) {
      for (const t of targets) if (isTbot(t)) report('only commands and tbot/ import tbot/', [file, t])
    }
    if (isPure(file)) report('pure rooms do no I/O', pathTo(graph, file, (t) => IO_MODULES.test(t)))
    if (isClient(file)) report('no client module imports server/', pathTo(graph, file, isServer))
  }
  return violations
}
