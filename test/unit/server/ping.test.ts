import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseServerConfig} from '../../../src/lib/server/config.js'
import {buildPingResponse, minClientVersion, pingAddresses} from '../../../src/lib/server/ping.js'

const PIN = 'sha256:' + 'ab'.repeat(32)

describe('ping', () => {
  it('builds the webclient PingResponse shape', () => {
    const config = parseServerConfig('version: v3\nproxy_service:\n  public_addr: teleport.example.com\n', 't.yaml')
    const ping = buildPingResponse({clusterName: 'example.com', serverVersion: '17.4.2', caPins: [PIN], ...pingAddresses(config)})
    assert.deepEqual(ping, {
      auth: {
        type: 'local', local: {name: ''}, private_key_policy: 'none', piv_slot: '', piv_pin_cache_duration: 0,
        device_trust: {disabled: true}, has_motd: false, default_session_ttl: '12h0m0s',
      },
      proxy: {kube: {}, ssh: {web_listen_addr: '0.0.0.0:3080', public_addr: 'teleport.example.com:3080'}, db: {}, tls_routing_enabled: false},
      server_version: '17.4.2',
      min_client_version: '16.0.0-aa',
      auto_update: {tools_version: '', tools_auto_update: false, agent_version: '', agent_auto_update: false, agent_update_jitter_seconds: 0},
      cluster_name: 'example.com',
      automatic_upgrades: false,
      edition: 'oss',
      fips: false,
      svidkit: {trust_domain: 'example.com', ca_pins: [PIN]},
    })
  })

  it('omits public_addr when none is configured', () => {
    const config = parseServerConfig('version: v3\nproxy_service:\n  web_listen_addr: "[::]:443"\n', 't.yaml')
    const ping = buildPingResponse({clusterName: 'c', serverVersion: '1.0.0', caPins: [], ...pingAddresses(config)})
    assert.deepEqual(ping.proxy.ssh, {web_listen_addr: '[::]:443'})
    assert.ok(!('public_addr' in ping.proxy.ssh))
  })

  it('derives the minimum client version one major back', () => {
    assert.equal(minClientVersion('17.0.0'), '16.0.0-aa')
    assert.equal(minClientVersion('v1.2.3'), '0.0.0-aa')
    assert.throws(() => minClientVersion('dev'), {name: 'TypeError'})
  })
})
