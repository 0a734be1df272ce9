/**
 * The published package works on its own: `npm pack`, installed into an empty project, and its tctl and
 * tbot run there, the Workload API included (scripts/pack-check.sh does the steps and checks the SVIDs).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {it} from 'node:test'
import {REPO} from '../helpers/cli.js'

it('installs from its tarball and serves SVIDs through the installed tbot', {timeout: 180_000}, () => {
  const r = spawnSync('bash', [join(REPO, 'scripts/pack-check.sh'), '--no-build'], {encoding: 'utf8'})
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /spiffe:\/\/pack\.example\/svc\/packed/)
  assert.match(r.stdout, /Validation: PASS/)
  assert.match(r.stdout, /pack-check: OK/)
})
