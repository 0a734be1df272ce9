import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {InputError} from '../../../src/lib/errors.js'
import {loadServerConfig, parseServerConfig} from '../../../src/lib/server/config.js'
import {hostileInputs} from '../../helpers/hostile-yaml.js'

const FILE = 'teleport.yaml'

describe('parseServerConfig', () => {
  it('reads a full config', () => {
    const config = parseServerConfig(`
version: v3
teleport:
  data_dir: /srv/teleport
  log:
    output: stdout
    severity: DEBUG
    format:
      output: json
auth_service:
  enabled: yes
  cluster_name: example.com
proxy_service:
  enabled: "yes"
  web_listen_addr: 127.0.0.1:8443
  public_addr: [teleport.example.com:443, "[::1]"]
  https_keypairs:
    - key_file: /etc/tls/key.pem
      cert_file: /etc/tls/fullchain.pem
ssh_service:
  enabled: no
`, FILE)
    assert.deepEqual(config, {
      file: FILE,
      version: 'v3',
      dataDir: '/srv/teleport',
      storage: {type: 'dir'},
      log: {output: 'stdout', severity: 'debug', format: 'json'},
      auth: {enabled: true, clusterName: 'example.com'},
      proxy: {
        enabled: true,
        webListenAddr: {host: '127.0.0.1', port: 8443, explicitPort: true, raw: '127.0.0.1:8443'},
        publicAddrs: [
          {host: 'teleport.example.com', port: 443, explicitPort: true, raw: 'teleport.example.com:443'},
          {host: '::1', port: 3080, explicitPort: false, raw: '[::1]'},
        ],
        httpsKeyPairs: [{keyFile: '/etc/tls/key.pem', certFile: '/etc/tls/fullchain.pem'}],
      },
    })
  })

  it('fills Teleport defaults for a minimal config', () => {
    const config = parseServerConfig('version: v3\n', FILE)
    assert.equal(config.dataDir, '/var/lib/teleport')
    assert.deepEqual(config.log, {output: 'stderr', severity: 'info', format: 'text'})
    assert.deepEqual(config.auth, {enabled: true, clusterName: undefined})
    assert.deepEqual(config.proxy.webListenAddr, {host: '0.0.0.0', port: 3080, explicitPort: true, raw: '0.0.0.0:3080'})
    assert.deepEqual(config.proxy.publicAddrs, [])
    assert.deepEqual(config.proxy.httpsKeyPairs, [])
  })

  it('reads teleport.storage for PostgreSQL with Teleport\'s keys', () => {
    const config = parseServerConfig(`version: v3
teleport:
  storage:
    type: postgresql
    conn_string: postgresql://teleport@db/teleport_backend?sslmode=disable
    change_feed_conn_string: postgres://teleport@db-primary/teleport_backend
    audit_events_uri: ['postgresql://teleport@db/teleport_audit']
`, FILE)
    assert.deepEqual(config.storage, {
      type: 'postgresql', connString: 'postgresql://teleport@db/teleport_backend?sslmode=disable',
      changeFeedConnString: 'postgres://teleport@db-primary/teleport_backend', auditEventsUri: 'postgresql://teleport@db/teleport_audit',
    })
  })

  for (const [name, storage, message] of [
    ['no conn_string', '{type: postgresql}', 'teleport.yaml: teleport.storage.conn_string: is required for storage type "postgresql"'],
    ['another type', '{type: etcd}', 'teleport.yaml: teleport.storage.type: unsupported storage type "etcd"; supported here: dir, postgresql'],
    ['a non-URI conn_string', '{type: postgresql, conn_string: "host=db password=hunter2"}', 'teleport.yaml: teleport.storage.conn_string: must be a postgresql:// connection URI'],
    ['a file audit URI', '{type: postgresql, conn_string: "postgresql://db/x", audit_events_uri: "file:///var/log"}', 'teleport.yaml: teleport.storage.audit_events_uri: only a postgresql:// audit events URI is supported here'],
    ['PostgreSQL keys with dir', '{conn_string: "postgresql://db/x"}', 'teleport.yaml: teleport.storage.conn_string: needs storage type "postgresql"'],
  ] as const) {
    it(`refuses storage with ${name}, in one line without the secret`, () => {
      assert.throws(() => parseServerConfig(`version: v3\nteleport:\n  storage: ${storage}\n`, FILE), (err: Error) => {
        assert.equal(err.message, message)
        return true
      })
    })
  }

  it('takes public_addr as a single string', () => {
    const config = parseServerConfig('version: v3\nproxy_service:\n  public_addr: proxy.example.com\n', FILE)
    assert.deepEqual(config.proxy.publicAddrs, [{host: 'proxy.example.com', port: 3080, explicitPort: false, raw: 'proxy.example.com'}])
  })

  const bad: Array<[string, string, string]> = [
    ['unknown top-level field', 'version: v3\nnodes: 1\n', 'teleport.yaml: unknown field "nodes" (supported here: version, teleport, auth_service, proxy_service, ssh_service)'],
    ['unknown nested field', 'version: v3\nproxy_service:\n  listen_addr: 0.0.0.0:3023\n',
      'teleport.yaml: proxy_service: unknown field "listen_addr" (supported here: enabled, web_listen_addr, public_addr, https_keypairs)'],
    ['unknown field in a list item', 'version: v3\nproxy_service:\n  https_keypairs:\n    - key_file: k\n      cert_file: c\n      extra: 1\n',
      'teleport.yaml: proxy_service.https_keypairs[0]: unknown field "extra" (supported here: key_file, cert_file)'],
    ['unknown log format field', 'version: v3\nteleport:\n  log:\n    format:\n      extra_fields: [level]\n',
      'teleport.yaml: teleport.log.format: unknown field "extra_fields" (supported here: output)'],
    ['missing version', 'teleport: {}\n', 'teleport.yaml: version: is required; only v3 is supported'],
    ['old version', 'version: v2\n', 'teleport.yaml: version: unsupported version "v2"; only v3 is supported'],
    ['ssh_service enabled', 'version: v3\nssh_service:\n  enabled: yes\n',
      'teleport.yaml: ssh_service.enabled: the SSH service is not supported by this server; set it to "no" or remove ssh_service'],
    ['ssh_service unknown field', 'version: v3\nssh_service:\n  listen_addr: x\n', 'teleport.yaml: ssh_service: unknown field "listen_addr" (supported here: enabled)'],
    ['bad enabled', 'version: v3\nauth_service:\n  enabled: maybe\n', 'teleport.yaml: auth_service.enabled: must be yes or no, got "maybe"'],
    ['bad cluster name', 'version: v3\nauth_service:\n  cluster_name: Example.COM\n',
      'teleport.yaml: auth_service.cluster_name: "Example.COM" is not a valid SPIFFE trust domain: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores'],
    ['bad severity', 'version: v3\nteleport:\n  log:\n    severity: LOUD\n', 'teleport.yaml: teleport.log.severity: unsupported logger severity: "LOUD"'],
    ['bad listen port', 'version: v3\nproxy_service:\n  web_listen_addr: 0.0.0.0:99999\n',
      'teleport.yaml: proxy_service.web_listen_addr: address "0.0.0.0:99999": port 99999 is out of range 1-65535'],
    ['bare IPv6 public addr', 'version: v3\nproxy_service:\n  public_addr: ["ok.example.com", "::1:3080"]\n',
      'teleport.yaml: proxy_service.public_addr[1]: address "::1:3080": an IPv6 address needs brackets, e.g. [::1]:3080'],
    ['keypair without cert', 'version: v3\nproxy_service:\n  https_keypairs:\n    - key_file: k\n',
      'teleport.yaml: proxy_service.https_keypairs[0].cert_file: is required'],
    ['keypairs not a list', 'version: v3\nproxy_service:\n  https_keypairs: {key_file: k}\n', 'teleport.yaml: proxy_service.https_keypairs: must be a list, got a mapping'],
    ['data_dir not a string', 'version: v3\nteleport:\n  data_dir: [a]\n', 'teleport.yaml: teleport.data_dir: must be a string, got a list'],
    ['not a mapping', '- a\n- b\n', 'teleport.yaml: must be a mapping, got a list'],
    ['enabled a number', 'version: v3\nproxy_service:\n  enabled: 1\n', 'teleport.yaml: proxy_service.enabled: must be yes or no, got a number'],
    ['empty data_dir', 'version: v3\nteleport:\n  data_dir: ""\n', 'teleport.yaml: teleport.data_dir: must not be empty'],
    ['public_addr item not a string', 'version: v3\nproxy_service:\n  public_addr: [a.example.com, 7]\n', 'teleport.yaml: proxy_service.public_addr[1]: must be a string, got a number'],
    ['two documents', 'version: v3\n---\nversion: v3\n', 'teleport.yaml: holds 2 YAML documents; a config file holds one'],
    ['empty file', '', 'teleport.yaml: the config file is empty'],
    ['duplicate key', 'version: v3\nversion: v3\n', 'teleport.yaml: line 2, column 1: duplicate key "version"'],
  ]
  for (const [name, yaml, message] of bad) {
    it(`refuses: ${name}`, () => {
      assert.throws(() => parseServerConfig(yaml, FILE), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err))
        assert.equal(err.message, message)
        assert.equal(err.code, 'BAD_PARAMETER')
        assert.equal(err.location.file, FILE)
        return true
      })
    })
  }
})

describe('loadServerConfig', () => {
  it('reads the file, and names it when missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'svidkit-config-'))
    try {
      const path = join(dir, 'teleport.yaml')
      await writeFile(path, 'version: v3\nauth_service: {cluster_name: c.example}\n')
      assert.equal((await loadServerConfig(path)).auth.clusterName, 'c.example')
      await assert.rejects(loadServerConfig(join(dir, 'nope.yaml')), {message: `${join(dir, 'nope.yaml')}: cannot read the config file: no such file`})
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('loadServerConfig: hostile files', () => {
  for (const {name, content, reason} of hostileInputs('version: v3\n')) {
    it(`${name}: one line naming the file, and the next parse still works`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'svidkit-config-'))
      try {
        const path = join(dir, 'teleport.yaml')
        await writeFile(path, content)
        await assert.rejects(loadServerConfig(path), (err: unknown) => {
          assert.ok(err instanceof InputError, String(err))
          assert.ok(err.message.startsWith(`${path}: `), err.message)
          assert.match(err.message, reason)
          assert.equal(err.message.includes('\n'), false)
          return true
        })
        assert.equal(parseServerConfig('version: v3\nteleport: {data_dir: /d}\n', FILE).dataDir, '/d')
      } finally {
        await rm(dir, {recursive: true, force: true})
      }
    })
  }
})
