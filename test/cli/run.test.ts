import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {hoistGlobalFlags} from '../../src/cli/run.js'

describe('global flags before the command', () => {
  it('are moved after it, with their values', () => {
    assert.deepEqual(hoistGlobalFlags(['--auth-server', 'h:3080', '-i', 'id.pem', 'bots', 'add', 'x']), ['bots', 'add', 'x', '--auth-server', 'h:3080', '-i', 'id.pem'])
    assert.deepEqual(hoistGlobalFlags(['--insecure', '--identity=id.pem', 'status']), ['status', '--insecure', '--identity=id.pem'])
    assert.deepEqual(hoistGlobalFlags(['--data-dir', '/d', '-d', 'get', 'all']), ['get', 'all', '--data-dir', '/d', '-d'])
  })

  it('leave everything else alone', () => {
    for (const argv of [['status', '--auth-server', 'h'], ['--help'], ['--version'], ['--auth-server'], ['--unknown', 'status'], []]) {
      assert.deepEqual(hoistGlobalFlags(argv), argv)
    }
    assert.deepEqual(hoistGlobalFlags(['-d', '--help']), ['--help', '-d'])
  })
})
