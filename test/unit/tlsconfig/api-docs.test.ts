/**
 * The SPIFFE library's public surface is documented: every export of the source and tlsconfig rooms
 * carries TSDoc, every exported function and class has an `@example`, and the package root
 * re-exports them (so typedoc, `npm run docs`, renders them). Read from the TypeScript sources with
 * the compiler's parser (no type check: fast).
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import ts from 'typescript'
import {REPO} from '../../helpers/cli.js'

const ROOMS = ['src/lib/workloadapi/sources', 'src/lib/tlsconfig']
/** Internal helpers other modules of the rooms share; not re-exported from the package root. */
const INTERNAL = new Set(['SourceCore', 'toX509Svid', 'toX509Bundle', 'toJwtBundle', 'runAuthorizer', 'peerChain', 'verifyPeer',
  'allAuthorities', 'contextOptions', 'ContextCache', 'checkPeerSocket', 'checkServer'])

interface Exported {
  readonly file: string
  readonly name: string
  readonly kind: 'function' | 'class' | 'type'
  readonly doc: string
}

function exportsOf(file: string): Exported[] {
  const text = readFileSync(join(REPO, file), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const out: Exported[] = []
  for (const node of source.statements) {
    const exported = ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    if (!exported) continue
    const doc = ts.getJSDocCommentsAndTags(node).map((d) => d.getText()).join('\n')
    if (ts.isFunctionDeclaration(node) && node.name) out.push({file, name: node.name.text, kind: 'function', doc})
    else if (ts.isClassDeclaration(node) && node.name) out.push({file, name: node.name.text, kind: 'class', doc})
    else if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node))) out.push({file, name: node.name.text, kind: 'type', doc})
  }
  return out
}

const files = ROOMS.flatMap((room) => readdirSync(join(REPO, room)).filter((f) => f.endsWith('.ts')).map((f) => `${room}/${f}`))
const exported = files.flatMap(exportsOf).filter((e) => !INTERNAL.has(e.name))
const root = readFileSync(join(REPO, 'src/index.ts'), 'utf8')

describe('the SPIFFE library\'s API documentation', () => {
  it('finds the public surface', () => {
    for (const name of ['X509Source', 'JwtSource', 'WorkloadBundleSource', 'mtlsServerConfig', 'mtlsClientConfig', 'authorizeID', 'undiciAgent', 'grpcChannelCredentials']) {
      assert.ok(exported.some((e) => e.name === name), name)
    }
  })

  for (const e of exported) {
    it(`${e.name} (${e.file}) has TSDoc${e.kind === 'type' ? '' : ' with an @example'} and is exported from the package root`, () => {
      assert.notEqual(e.doc, '', 'no TSDoc comment')
      if (e.kind !== 'type') assert.match(e.doc, /@example/)
      assert.match(root, new RegExp(`\\b${e.name}\\b`), 'not re-exported from src/index.ts')
    })
  }
})
