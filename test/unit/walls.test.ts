/**
 * The walls between rooms (docs/ARCHITECTURE.md), checked over the real source tree, and the checker
 * itself checked on planted violations so that it cannot pass vacuously.
 */
import assert from 'node:assert/strict'
import {dirname, join} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {checkWalls, readImportGraph, type ImportGraph} from '../helpers/import-graph.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')

describe('the walls between rooms', () => {
  const graph = readImportGraph(root)

  it('reads the whole tree', () => {
    assert.ok(graph.size > 150, `only ${graph.size} source files found`)
    assert.ok(graph.get('src/lib/tbot/connect.ts')?.includes('src/lib/backend/remote/bot.ts'), 'dynamic imports are edges')
  })

  it('holds on the source tree', () => {
    assert.deepEqual(checkWalls(graph), [])
  })
})

describe('the wall checker', () => {
  const base: [string, string[]][] = [
    ['src/lib/authz/labels.ts', ['src/lib/errors.ts']],
    ['src/lib/errors.ts', []],
    ['src/lib/ca/store.ts', ['node:fs']],
    ['src/lib/server/http.ts', ['node:http2']],
    ['src/lib/tbot/agent.ts', ['src/lib/net/client.ts']],
    ['src/lib/net/client.ts', ['undici']],
    ['src/cli/run.ts', ['src/lib/tbot/agent.ts']],
  ]
  const withEdge = (from: string, to: string): ImportGraph => {
    const graph = new Map(base.map(([f, t]) => [f, [...t]]))
    graph.set(from, [...(graph.get(from) ?? []), to])
    return graph
  }

  it('passes a clean graph', () => {
    assert.deepEqual(checkWalls(new Map(base)), [])
  })

  const planted: [string, string, string, RegExp][] = [
    ['src/lib/errors.ts', 'src/cli/run.ts', 'lib never imports commands or src/cli', /errors\.ts → src\/cli\/run\.ts/],
    ['src/lib/ca/store.ts', 'src/lib/tbot/agent.ts', 'only commands and tbot/ import tbot/', /ca\/store\.ts → src\/lib\/tbot/],
    ['src/lib/errors.ts', 'src/lib/ca/store.ts', 'pure rooms do no I/O', /labels\.ts → src\/lib\/errors\.ts → src\/lib\/ca\/store\.ts → node:fs/],
    ['src/lib/net/client.ts', 'src/lib/server/http.ts', 'no client module imports server/', /tbot\/agent\.ts → src\/lib\/net\/client\.ts → src\/lib\/server\/http\.ts/],
  ]
  for (const [from, to, wall, path] of planted) {
    it(`fails on a planted violation: ${wall}`, () => {
      const found = checkWalls(withEdge(from, to)).filter((v) => v.wall === wall)
      assert.ok(found.some((v) => path.test(v.path)), JSON.stringify(checkWalls(withEdge(from, to))))
    })
  }
})
