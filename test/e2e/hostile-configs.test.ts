/**
 * Hostile config files through the real `tbot` and `teleport` binaries: deep nesting, an alias bomb,
 * a file over the size limit, binary data. Each is refused with exit 1 and one `ERROR:` line naming
 * the file, never a crash, a stack trace or a hang.
 */
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {start} from '../helpers/cli.js'
import {hostileInputs} from '../helpers/hostile-yaml.js'
import {tempDir} from '../helpers/tmp.js'

const KEPT = new Set(['flow nesting 5000 deep', 'an alias bomb', 'a 5 MiB file', 'binary data'])

const programs: Array<[bin: 'tbot' | 'teleport', head: string]> = [['tbot', 'version: v2\n'], ['teleport', 'version: v3\n']]

for (const [bin, head] of programs) {
  describe(`${bin} start -c <hostile file>`, {concurrency: true}, () => {
    const dir = tempDir()
    for (const {name, content, reason} of hostileInputs(head).filter((h) => KEPT.has(h.name))) {
      it(`${name}: exit 1, one line naming the file`, async () => {
        const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`)
        writeFileSync(file, content)
        const r = await start(bin, ['start', '-c', file]).done
        assert.equal(r.code, 1, r.stderr)
        assert.equal(r.stdout, '')
        assert.ok(r.stderr.startsWith(`ERROR: ${file}: `), r.stderr)
        assert.match(r.stderr.trimEnd(), reason)
        assert.equal(r.stderr.split('\n').length, 2, r.stderr)
      })
    }
  })
}
