/**
 * Hardening: symbolic links planted inside the data directory are refused (with the link's path),
 * never followed, through the real tctl: no write lands in a link's target, and no byte of a linked
 * file reaches an error.
 */
import assert from 'node:assert/strict'
import {promises as fs, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {cliEnv, REPO, run} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

const SECRET = 'root:$6$very-secret-hash:19000:0:99999:7:::\n'
const SEED = join(REPO, 'test/fixtures/seeds/aws-workload-identity.yaml')

function cluster() {
  const dir = tempDir()
  const dataDir = join(dir, 'data')
  const env = cliEnv({SVIDKIT_DATA_DIR: dataDir})
  const tctl = (...args: string[]) => run('tctl', args, {env})
  assert.equal(tctl('init', '--cluster-name', 'example.teleport.sh').code, 0)
  assert.equal(tctl('create', SEED).code, 0)
  const outside = tempDir()
  return {dir, dataDir, tctl, outside}
}

/** tctl failed with one line refusing the link at `path`, and never echoed the secret. */
function assertRefused(r: {code: number | null; stderr: string}, path: string) {
  assert.equal(r.code, 1, r.stderr)
  assert.equal(r.stderr, `ERROR: refusing to follow the symbolic link ${path}: links inside the data directory are not allowed; remove it\n`)
}

async function plantSecret(outside: string): Promise<string> {
  const file = join(outside, 'shadow')
  await fs.writeFile(file, SECRET)
  return file
}

describe('links planted in the data directory', () => {
  it('audit.log → another file: issuance is refused and the target gets no line', async () => {
    const {dataDir, tctl, outside, dir} = cluster()
    const target = await plantSecret(outside)
    await fs.symlink(target, join(dataDir, 'audit.log'))
    const r = tctl('workload-identity', 'issue-jwt', '--name-selector', 'example-workload-identity', '--audience', 'a', '--output', join(dir, 'out'))
    assertRefused(r, join(dataDir, 'audit.log'))
    assert.equal(readFileSync(target, 'utf8'), SECRET)
  })

  it('resources/<kind> → another directory: create writes nothing there', async () => {
    const {dataDir, tctl, outside, dir} = cluster()
    const kindDir = join(dataDir, 'resources', 'role')
    await fs.symlink(outside, kindDir)
    await fs.writeFile(join(dir, 'role.yaml'), 'kind: role\nversion: v6\nmetadata:\n  name: r\nspec: {}\n')
    assertRefused(tctl('create', join(dir, 'role.yaml')), kindDir)
    assert.deepEqual(await fs.readdir(outside), [])
    assertRefused(tctl('get', 'role'), kindDir)
  })

  it('a resource file → a secret: get and list refuse it without echoing a byte', async () => {
    const {dataDir, tctl, outside} = cluster()
    const file = join(dataDir, 'resources', 'workload_identity', 'stolen.json')
    await fs.symlink(await plantSecret(outside), file)
    assertRefused(tctl('get', 'workload_identity/stolen'), file)
    assertRefused(tctl('get', 'workload_identity'), file)
  })

  it('cluster.json, resources, ca, a CA file, .lock: each refused by name', async () => {
    for (const name of ['cluster.json', 'resources', 'ca', 'ca/state.json', '.lock']) {
      const {dataDir, tctl, outside} = cluster()
      const path = join(dataDir, name)
      const real = join(outside, 'moved')
      await fs.rename(path, real).catch(() => fs.writeFile(real, SECRET)) // .lock is absent between commands
      await fs.symlink(real, path)
      // status reads the cluster file, counts the resources and loads the CA for its pin.
      assertRefused(tctl('status'), path)
      if (name !== 'ca/state.json') assertRefused(tctl('create', '-f', SEED), path) // writes do not load the CA
    }
  })
})
