import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {InputError} from '../../../src/lib/errors.js'
import {loadTbotConfig, parseTbotConfig} from '../../../src/lib/tbot/config/load.js'
import {requireJoinToken} from '../../../src/lib/tbot/config/onboarding.js'
import {hostileInputs} from '../../helpers/hostile-yaml.js'
import type {JwtOutputConfig, WorkloadApiConfig, X509OutputConfig} from '../../../src/lib/tbot/config/types.js'

const HEAD = `version: v2
proxy_server: example.teleport.sh:443
onboarding:
  join_method: token
  token: my-bot-token
`

function parse(yaml: string) {
  return parseTbotConfig(yaml, {file: 'tbot.yaml'})
}

async function rejects(yaml: string, message: string): Promise<void> {
  await assert.rejects(parse(yaml), (err: unknown) => {
    assert.ok(err instanceof InputError, `not an InputError: ${String(err)}`)
    assert.equal(err.code, 'BAD_PARAMETER')
    assert.equal(err.message, message)
    return true
  })
}

describe('tbot config v2: good configs', () => {
  it('fills Teleport defaults', async () => {
    const c = await parse(HEAD)
    assert.equal(c.version, 'v2')
    assert.equal(c.source, 'tbot.yaml')
    assert.equal(c.proxyServer, 'example.teleport.sh:443')
    assert.equal(c.authServer, undefined)
    assert.deepEqual(c.onboarding, {joinMethod: 'token', token: 'my-bot-token', caPins: []})
    assert.deepEqual(c.storage, {type: 'directory', path: '/var/lib/teleport/bot', symlinks: 'try-secure'})
    assert.equal(c.credentialTtlMs, 3_600_000)
    assert.equal(c.renewalIntervalMs, 1_200_000)
    assert.equal(c.oneshot, false)
    assert.equal(c.debug, false)
    assert.equal(c.insecure, false)
    assert.deepEqual(c.services, [])
    assert.deepEqual(c.warnings, [])
  })

  it("parses the AWS OIDC guide's outputs: snippet inside a full config", async () => {
    const c = await parse(`${HEAD}outputs:
- type: workload-identity-jwt
  destination:
    type: directory
    path: /opt/workload-identity
  selector:
    name: example-workload-identity
  audiences: [ "sts.amazonaws.com" ]
`)
    assert.equal(c.services.length, 1)
    const jwt = c.services[0] as JwtOutputConfig
    assert.deepEqual(jwt, {
      type: 'workload-identity-jwt',
      name: 'workload-identity-jwt-1',
      origin: 'outputs[0]',
      selector: {name: 'example-workload-identity'},
      destination: {type: 'directory', path: '/opt/workload-identity', symlinks: 'try-secure'},
      audiences: ['sts.amazonaws.com'],
      credentialTtlMs: 3_600_000,
      renewalIntervalMs: 1_200_000,
    })
  })

  it("parses the overview's services: snippets (Workload API and X.509 output) inside a full config", async () => {
    const c = await parse(`version: v2
proxy_server: example.teleport.sh:443
onboarding:
  join_method: token
  token: my-bot-token
storage:
  type: memory
services:
  - type: workload-identity-api
    listen: unix:///opt/machine-id/workload.sock
    selector:
      name: payments-processor
  - type: workload-identity-x509
    destination:
      type: directory
      path: /opt/machine-id/svid
    selector:
      name: payments-processor
`)
    assert.deepEqual(c.storage, {type: 'memory'})
    const [api, out] = c.services as [WorkloadApiConfig, X509OutputConfig]
    assert.equal(api.type, 'workload-identity-api')
    assert.equal(api.name, 'workload-identity-api-1')
    assert.equal(api.listen, 'unix:///opt/machine-id/workload.sock')
    assert.deepEqual(api.listenAddress, {network: 'unix', path: '/opt/machine-id/workload.sock'})
    assert.deepEqual(api.selector, {name: 'payments-processor'})
    assert.deepEqual(api.attestors, {unix: {binaryHashMaxSizeBytes: 1 << 30}})
    assert.equal(out.type, 'workload-identity-x509')
    assert.equal(out.name, 'workload-identity-x509-1')
    assert.deepEqual(out.destination, {type: 'directory', path: '/opt/machine-id/svid', symlinks: 'try-secure'})
    assert.equal(out.includeFederatedTrustBundles, false)
  })

  it("accepts the overview's own full config: its join method is kubernetes", async () => {
    const c = await parse(`version: v2
proxy_server: example.teleport.sh:443
onboarding:
  join_method: kubernetes
  token: my-bot-token
storage:
  type: memory
services:
  - type: workload-identity-api
    listen: unix:///opt/machine-id/workload.sock
    selector:
      name: payments-processor
`)
    assert.equal(c.onboarding.joinMethod, 'kubernetes')
    assert.equal(c.onboarding.token, 'my-bot-token')
  })

  it('merges services then outputs, names them as Teleport does, keeps user names', async () => {
    const c = await parse(`${HEAD}services:
- type: workload-identity-x509
  name: web
  destination: {type: directory, path: /opt/a}
  selector: {labels: {env: [prod, staging], team: payments}}
  include_federated_trust_bundles: true
- type: workload-identity-x509
  destination: {type: memory}
  selector: {name: b}
outputs:
- type: workload-identity-x509
  destination: {type: directory, path: /opt/c}
  selector: {name: c}
`)
    assert.deepEqual(c.services.map((s) => [s.name, s.origin]), [
      ['web', 'services[0]'],
      ['workload-identity-x509-2', 'services[1]'],
      ['workload-identity-x509-3', 'outputs[0]'],
    ])
    const web = c.services[0] as X509OutputConfig
    assert.deepEqual(web.selector, {labels: {env: ['prod', 'staging'], team: ['payments']}})
    assert.equal(web.includeFederatedTrustBundles, true)
    assert.deepEqual((c.services[1] as X509OutputConfig).destination, {type: 'memory'})
  })

  it('takes per-service lifetimes, else the top level ones', async () => {
    const c = await parse(`${HEAD}credential_ttl: 2h
renewal_interval: 30m
services:
- type: workload-identity-x509
  destination: {type: memory}
  selector: {name: a}
  credential_ttl: 48h
  renewal_interval: 1h
- type: workload-identity-jwt
  destination: {type: memory}
  selector: {name: b}
  audiences: [x]
`)
    assert.equal(c.credentialTtlMs, 7_200_000)
    assert.equal(c.renewalIntervalMs, 1_800_000)
    assert.deepEqual(c.services.map((s) => [s.credentialTtlMs, s.renewalIntervalMs]), [[172_800_000, 3_600_000], [7_200_000, 1_800_000]])
  })

  it('accepts auth_server, ca_pins, ca_path, oneshot, debug, diag_addr, tcp listen and attestors', async () => {
    const pin = 'sha256:' + 'ab'.repeat(32)
    const c = await parse(`version: v2
auth_server: auth.example.com:3025
oneshot: true
debug: true
diag_addr: 127.0.0.1:3000
onboarding: {token: t, ca_pins: ["${pin}"]}
services:
- type: workload-identity-api
  listen: tcp://127.0.0.1:8000
  selector: {name: a}
  attestors:
    unix: {binary_hash_max_size_bytes: -1}
    kubernetes: {enabled: false, kubelet: {secure_port: 10250}}
    docker: {enabled: false}
    podman: {enabled: false, addr: unix:///run/podman.sock}
    systemd: {enabled: false}
    sigstore: {enabled: false}
`)
    assert.equal(c.authServer, 'auth.example.com:3025')
    assert.equal(c.proxyServer, undefined)
    assert.equal(c.oneshot, true)
    assert.equal(c.debug, true)
    assert.equal(c.diagAddr, '127.0.0.1:3000')
    assert.deepEqual(c.onboarding.caPins, [pin])
    const api = c.services[0] as WorkloadApiConfig
    assert.deepEqual(api.listenAddress, {network: 'tcp', host: '127.0.0.1', port: 8000})
    assert.deepEqual(api.attestors, {unix: {binaryHashMaxSizeBytes: -1}})
    const c2 = await parse('version: v2\nproxy_server: p:443\nonboarding: {token: t, ca_path: /etc/ca.pem}\n')
    assert.equal(c2.onboarding.caPath, '/etc/ca.pem')
  })

  it('in oneshot, a renewal interval longer than the TTL is fine (Teleport skips that check)', async () => {
    const c = await parse(`${HEAD}oneshot: true\ncredential_ttl: 10m\n`)
    assert.equal(c.credentialTtlMs, 600_000)
    assert.equal(c.renewalIntervalMs, 1_200_000)
  })

  it('warns (as Teleport logs) when two outputs share a directory', async () => {
    const c = await parse(`${HEAD}storage: {type: directory, path: /opt/wi}
services:
- {type: workload-identity-x509, destination: {type: directory, path: /opt/wi}, selector: {name: a}}
`)
    assert.deepEqual(c.warnings, ['identical destination file:///opt/wi used by storage, services[0]; this can produce unusable results'])
  })
})

describe('tbot config v2: the join token', () => {
  let dir = ''
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tbot-config-')) })
  after(async () => { await rm(dir, {recursive: true, force: true}) })

  it('reads an absolute token path at load time, trimmed', async () => {
    const file = join(dir, 'token')
    await writeFile(file, '  secret-token-value\n')
    const c = await parse(HEAD.replace('my-bot-token', file))
    assert.equal(c.onboarding.token, 'secret-token-value')
    assert.equal(c.onboarding.tokenFile, file)
    assert.equal(requireJoinToken(c), 'secret-token-value')
  })

  it('a missing token file only matters when joining', async () => {
    const file = join(dir, 'gone')
    const c = await parse(HEAD.replace('my-bot-token', file))
    assert.equal(c.onboarding.token, undefined)
    assert.equal(c.onboarding.tokenFileProblem, 'does not exist')
    assert.throws(() => requireJoinToken(c), {message: `tbot.yaml: onboarding.token: token file ${file} does not exist`})
  })

  it('no token at all', async () => {
    const c = await parse('version: v2\nproxy_server: p:443\n')
    assert.throws(() => requireJoinToken(c), {
      message: 'tbot.yaml: onboarding.token: a join token is required to join the cluster for the first time',
    })
  })

  it('loadTbotConfig names the file it read', async () => {
    const file = join(dir, 'bot.yaml')
    await writeFile(file, `${HEAD}bogus: 1\n`)
    await assert.rejects(loadTbotConfig(file), {message: `${file}: unknown field "bogus"`})
    await assert.rejects(loadTbotConfig(join(dir, 'nope.yaml')), {message: `${join(dir, 'nope.yaml')}: failed to open file: ENOENT`})
  })
})

describe('tbot config v2: bad configs name the file and the field', () => {
  const service = (body: string) => `${HEAD}services:\n- ${body.trim().split('\n').join('\n  ')}\n`
  const cases: Array<[string, string, string]> = [
    ['missing version', 'proxy_server: p:443\n', 'tbot.yaml: version: must be set to v2 (svidkit reads tbot config v2 only)'],
    ['v1', 'version: v1\n', 'tbot.yaml: version: config version v1 is not supported; migrate the file to v2 (https://goteleport.com/docs/reference/machine-id/v14-upgrade-guide/)'],
    ['v3', 'version: v3\n', 'tbot.yaml: version: unrecognized config version "v3"'],
    ['not a mapping', '- a\n- b\n', 'tbot.yaml: must be a mapping, got a list'],
    ['proxy and auth', `${HEAD}auth_server: a:3025\n`, 'tbot.yaml: cannot use both auth_server and proxy_server'],
    ['unknown join method', HEAD.replace('join_method: token', 'join_method: bogus'), 'tbot.yaml: onboarding.join_method: unrecognized join method: "bogus"'],
    ['unsupported join method', HEAD.replace('join_method: token', 'join_method: iam'), 'tbot.yaml: onboarding.join_method: join method "iam" is not supported by svidkit; supported: token, kubernetes, github, gitlab, bound_keypair'],
    ['unknown top-level field', `${HEAD}colour: blue\n`, 'tbot.yaml: unknown field "colour"'],
    ['v1 spelling of the TTL', `${HEAD}certificate_ttl: 1h\n`, 'tbot.yaml: unknown field "certificate_ttl" (did you mean credential_ttl?)'],
    ['two unknown fields', `${HEAD}a: 1\nb: 2\n`, 'tbot.yaml: unknown fields "a", "b"'],
    ['unknown onboarding field', HEAD.replace('token: my-bot-token', 'token: t\n  tokn: x'), 'tbot.yaml: onboarding: unknown field "tokn"'],
    ['bad duration', `${HEAD}credential_ttl: soon\n`, 'tbot.yaml: credential_ttl: invalid duration "soon"'],
    ['negative duration', `${HEAD}credential_ttl: -1h\n`, 'tbot.yaml: credential_ttl: must be positive'],
    ['duration as seconds', `${HEAD}credential_ttl: 60\n`, 'tbot.yaml: renewal_interval: 20m0s must be shorter than credential_ttl (1m0s); increase the credential TTL or decrease the renewal interval'],
    ['TTL over 24h', `${HEAD}credential_ttl: 25h\n`, 'tbot.yaml: credential_ttl: 25h0m0s exceeds the maximum TTL allowed (24h0m0s)'],
    ['interval not below TTL', `${HEAD}credential_ttl: 20m\n`, 'tbot.yaml: renewal_interval: 20m0s must be shorter than credential_ttl (20m0s); increase the credential TTL or decrease the renewal interval'],
    ['negative-free durations', `${HEAD}renewal_interval: 0s\n`, 'tbot.yaml: renewal_interval: must be positive'],
    ['oneshot not boolean', `${HEAD}oneshot: "yes"\n`, 'tbot.yaml: oneshot: must be true or false, got a string'],
    ['insecure with pins', `${HEAD}insecure: true\n`.replace('token: my-bot-token', `token: t\n  ca_pins: ["sha256:${'00'.repeat(32)}"]`), 'tbot.yaml: onboarding.ca_pins: the option ca-pin is mutually exclusive with --insecure'],
    ['insecure with ca_path', `${HEAD}insecure: true\n`.replace('token: my-bot-token', 'token: t\n  ca_path: /ca.pem'), 'tbot.yaml: onboarding.ca_path: the option ca-path is mutually exclusive with --insecure'],
    ['pins and ca_path', HEAD.replace('token: my-bot-token', `token: t\n  ca_path: /ca.pem\n  ca_pins: ["sha256:${'00'.repeat(32)}"]`), 'tbot.yaml: onboarding: the options ca-pin and ca-path are mutually exclusive'],
    ['bad pin', HEAD.replace('token: my-bot-token', 'token: t\n  ca_pins: [abc]'), 'tbot.yaml: onboarding.ca_pins[0]: invalid CA pin "abc": expected sha256:<64 hex digits>'],
    ['fips', `${HEAD}fips: true\n`, 'tbot.yaml: fips: FIPS mode is not supported by svidkit'],
    ['kubernetes_secret storage', `${HEAD}storage: {type: kubernetes_secret, name: x}\n`, 'tbot.yaml: storage.type: "kubernetes_secret" is not supported by svidkit; supported: directory, memory'],
    ['services not a list', `${HEAD}services: {type: x}\n`, 'tbot.yaml: services: must be a list, got a mapping'],
    ['service not a mapping', `${HEAD}services: [x]\n`, 'tbot.yaml: services[0]: must be a mapping, got a string'],
    ['service without type', service('selector: {name: a}'), "tbot.yaml: services[0].type: should not be empty; supported types: workload-identity-x509, workload-identity-jwt, workload-identity-api"],
    ['unknown service type', service('type: frobnicate'), 'tbot.yaml: services[0].type: "frobnicate" is not a known service type; supported types: workload-identity-x509, workload-identity-jwt, workload-identity-api'],
    ['Teleport type we do not do', service('type: identity'), 'tbot.yaml: services[0].type: "identity" is not supported by svidkit; supported types: workload-identity-x509, workload-identity-jwt, workload-identity-api'],
    ['selector missing', service('type: workload-identity-x509\ndestination: {type: memory}'), "tbot.yaml: services[0].selector: one of ['name', 'labels'] must be set"],
    ['selector empty', service('type: workload-identity-x509\ndestination: {type: memory}\nselector: {}'), "tbot.yaml: services[0].selector: one of ['name', 'labels'] must be set"],
    ['selector both', service('type: workload-identity-x509\ndestination: {type: memory}\nselector: {name: a, labels: {env: [prod]}}'), "tbot.yaml: services[0].selector: at most one of ['name', 'labels'] can be set"],
    ['label without values', service('type: workload-identity-jwt\naudiences: [a]\ndestination: {type: memory}\nselector: {labels: {env: []}}'), 'tbot.yaml: services[0].selector: labels[env]: must have at least one value'],
    ['selector typo', service('type: workload-identity-x509\ndestination: {type: memory}\nselector: {nmae: a}'), 'tbot.yaml: services[0].selector: unknown field "nmae"'],
    ['listen missing', service('type: workload-identity-api\nselector: {name: a}'), 'tbot.yaml: services[0].listen: should not be empty'],
    ['listen empty', service('type: workload-identity-api\nlisten: ""\nselector: {name: a}'), 'tbot.yaml: services[0].listen: should not be empty'],
    ['listen bad scheme', service('type: workload-identity-api\nlisten: http://x\nselector: {name: a}'), 'tbot.yaml: services[0].listen: "http://x": scheme must be unix or tcp'],
    ['listen tcp hostname', service('type: workload-identity-api\nlisten: tcp://localhost:80\nselector: {name: a}'), 'tbot.yaml: services[0].listen: "tcp://localhost:80": tcp socket URI host component must be an IP:port'],
    ['listen tcp no port', service('type: workload-identity-api\nlisten: tcp://127.0.0.1\nselector: {name: a}'), 'tbot.yaml: services[0].listen: "tcp://127.0.0.1": tcp socket URI host component must include a port'],
    ['listen unix authority', service('type: workload-identity-api\nlisten: unix://host/sock\nselector: {name: a}'), 'tbot.yaml: services[0].listen: "unix://host/sock": unix socket URI must not include an authority (use unix:///absolute/path)'],
    ['attestor enabled', service('type: workload-identity-api\nlisten: unix:///s.sock\nselector: {name: a}\nattestors: {docker: {enabled: true}}'), 'tbot.yaml: services[0].attestors.docker.enabled: the docker workload attestor is not supported by svidkit; set enabled: false or remove it'],
    ['attestor unknown', service('type: workload-identity-api\nlisten: unix:///s.sock\nselector: {name: a}\nattestors: {nomad: {}}'), 'tbot.yaml: services[0].attestors: unknown field "nomad"'],
    ['hash size', service('type: workload-identity-api\nlisten: unix:///s.sock\nselector: {name: a}\nattestors: {unix: {binary_hash_max_size_bytes: -5}}'), 'tbot.yaml: services[0].attestors.unix.binary_hash_max_size_bytes: must be -1 (unlimited), 0 (default) or a positive size'],
    ['audiences missing', service('type: workload-identity-jwt\ndestination: {type: memory}\nselector: {name: a}'), 'tbot.yaml: services[0].audiences: must have at least one value'],
    ['audiences empty', service('type: workload-identity-jwt\ndestination: {type: memory}\nselector: {name: a}\naudiences: []'), 'tbot.yaml: services[0].audiences: must have at least one value'],
    ['destination missing', service('type: workload-identity-x509\nselector: {name: a}'), 'tbot.yaml: services[0]: no destination configured for output'],
    ['destination type', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: kubernetes_secret}'), 'tbot.yaml: services[0].destination.type: unrecognized destination type (kubernetes_secret); supported: directory, memory'],
    ['destination path', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: directory}'), 'tbot.yaml: services[0].destination.path: should not be empty'],
    ['destination typo', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: directory, pth: /x}'), 'tbot.yaml: services[0].destination.path: should not be empty'],
    ['destination unknown field', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: directory, path: /x, mode: 644}'), 'tbot.yaml: services[0].destination: unknown field "mode"'],
    ['symlinks value', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: directory, path: /x, symlinks: never}'), 'tbot.yaml: services[0].destination.symlinks: must be one of secure, try-secure, insecure, got "never"'],
    ['acls', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: directory, path: /x, acls: required}'), 'tbot.yaml: services[0].destination.acls: "required" is not supported by svidkit (Linux ACLs); use off'],
    ['service unknown field', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: memory}\njwts: []'), 'tbot.yaml: services[0]: unknown field "jwts"'],
    ['half a lifetime', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: memory}\ncredential_ttl: 2h'), 'tbot.yaml: services[0]: credential_ttl and renewal_interval must both be specified if either is'],
    ['service lifetime inverted', service('type: workload-identity-jwt\naudiences: [a]\nselector: {name: a}\ndestination: {type: memory}\ncredential_ttl: 10m\nrenewal_interval: 1h'), 'tbot.yaml: services[0].renewal_interval: 1h0m0s must be shorter than credential_ttl (10m0s); increase the credential TTL or decrease the renewal interval'],
    ['x509 over 14 days', service('type: workload-identity-x509\nselector: {name: a}\ndestination: {type: memory}\ncredential_ttl: 400h\nrenewal_interval: 1h'), 'tbot.yaml: services[0].credential_ttl: 400h0m0s exceeds the maximum TTL allowed (336h0m0s)'],
    ['jwt over 24h', service('type: workload-identity-jwt\naudiences: [a]\nselector: {name: a}\ndestination: {type: memory}\ncredential_ttl: 48h\nrenewal_interval: 1h'), 'tbot.yaml: services[0].credential_ttl: 48h0m0s exceeds the maximum TTL allowed (24h0m0s)'],
    ['reserved name', service('type: workload-identity-x509\nname: identity\nselector: {name: a}\ndestination: {type: memory}'), 'tbot.yaml: services[0].name: service name "identity" is reserved for internal use'],
    ['bad name', service('type: workload-identity-x509\nname: My Service\nselector: {name: a}\ndestination: {type: memory}'), 'tbot.yaml: services[0].name: invalid service name: "My Service", may only contain lowercase letters, numbers, hyphens, underscores, or plus symbols'],
    ['outputs path in errors', `${HEAD}outputs:\n- {type: workload-identity-jwt, audiences: [a], destination: {type: memory}, selector: {name: a}}\n- {type: workload-identity-jwt, destination: {type: memory}, selector: {name: a}}\n`, 'tbot.yaml: outputs[1].audiences: must have at least one value'],
  ]
  for (const [name, yaml, message] of cases) {
    it(name, async () => {
      await rejects(yaml, message)
    })
  }

  it('duplicate names, user-chosen or clashing with a generated one', async () => {
    await rejects(`${HEAD}services:
- {type: workload-identity-x509, name: a, selector: {name: a}, destination: {type: memory}}
- {type: workload-identity-x509, name: a, selector: {name: a}, destination: {type: memory}}
`, 'tbot.yaml: services[1].name: service name "a" used more than once')
    await rejects(`${HEAD}services:
- {type: workload-identity-x509, name: workload-identity-x509-2, selector: {name: a}, destination: {type: memory}}
- {type: workload-identity-x509, selector: {name: a}, destination: {type: memory}}
`, 'tbot.yaml: services[1].name: service name "workload-identity-x509-2" conflicts with an automatically generated service name')
  })

  it('YAML syntax errors name the file', async () => {
    await assert.rejects(parse('version: v2\nservices: [\n'), (err: unknown) => {
      assert.ok(err instanceof InputError)
      assert.match(err.message, /^tbot\.yaml: failed parsing config file: /)
      return true
    })
    await rejects('version: v2\nversion: v2\n', 'tbot.yaml: failed parsing config file: line 2, column 1: duplicate key "version"')
    await rejects('version: v2\n---\nversion: v2\n', 'tbot.yaml: failed parsing config file: holds 2 YAML documents; a config file holds one')
  })
})

describe('tbot config v2: hostile files', () => {
  let dir = ''
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tbot-config-')) })
  after(async () => { await rm(dir, {recursive: true, force: true}) })

  for (const {name, content, reason} of hostileInputs('version: v2\n')) {
    it(`${name}: one line naming the file, and the next parse still works`, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`)
      await writeFile(file, content)
      await assert.rejects(loadTbotConfig(file), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err))
        assert.ok(err.message.startsWith(`${file}: `), err.message)
        assert.match(err.message, reason)
        assert.equal(err.message.includes('\n'), false)
        return true
      })
      assert.equal((await parse(HEAD)).version, 'v2')
    })
  }

  it('a file larger than the limit is not read past it, even from a device', async () => {
    await assert.rejects(loadTbotConfig('/dev/zero'), {message: '/dev/zero: file is too large (the limit is 4194304 bytes)'})
  })

  it('a directory', async () => {
    await assert.rejects(loadTbotConfig(dir), {message: `${dir}: failed to open file: EISDIR`})
  })
})
