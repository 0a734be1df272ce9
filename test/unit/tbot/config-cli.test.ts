import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {InputError} from '../../../src/lib/errors.js'
import {buildTbotConfig, parseLabelSpec, type BuildConfigInput, type StartFlags} from '../../../src/lib/tbot/config/one-line.js'
import type {JwtOutputConfig, WorkloadApiConfig, X509OutputConfig} from '../../../src/lib/tbot/config/types.js'

const SHARED: StartFlags = {proxyServer: 'example.teleport.sh:443', token: 'tok'}

async function fails(input: BuildConfigInput, message: string): Promise<void> {
  await assert.rejects(buildTbotConfig(input), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err))
    assert.equal(err.message, message)
    return true
  })
}

describe('tbot start workload-identity-x509 (one-line form)', () => {
  it('builds the same config a file would', async () => {
    const c = await buildTbotConfig({
      serviceType: 'workload-identity-x509',
      flags: {...SHARED, destination: 'file:///opt/wi', nameSelector: 'my-wi', includeFederatedTrustBundles: true},
    })
    assert.equal(c.source, 'command line')
    assert.equal(c.proxyServer, 'example.teleport.sh:443')
    assert.deepEqual(c.onboarding, {joinMethod: 'token', token: 'tok', caPins: []})
    assert.deepEqual(c.services, [{
      type: 'workload-identity-x509',
      name: 'workload-identity-x509-1',
      origin: 'services[0]',
      selector: {name: 'my-wi'},
      destination: {type: 'directory', path: '/opt/wi', symlinks: 'try-secure'},
      includeFederatedTrustBundles: true,
      credentialTtlMs: 3_600_000,
      renewalIntervalMs: 1_200_000,
    } satisfies X509OutputConfig])
  })

  it('takes a bare directory, memory://, and label selectors', async () => {
    const c = await buildTbotConfig({
      serviceType: 'workload-identity-x509',
      flags: {...SHARED, destination: './out', labelSelector: 'env=prod, team=payments'},
    })
    const svc = c.services[0] as X509OutputConfig
    assert.deepEqual(svc.destination, {type: 'directory', path: './out', symlinks: 'try-secure'})
    assert.deepEqual(svc.selector, {labels: {env: ['prod'], team: ['payments']}})
    const m = await buildTbotConfig({serviceType: 'workload-identity-x509', flags: {...SHARED, destination: 'memory://', nameSelector: 'a'}})
    assert.deepEqual((m.services[0] as X509OutputConfig).destination, {type: 'memory'})
  })

  it('refuses both selectors, no selector, no destination, remote file URIs', async () => {
    const base = {serviceType: 'workload-identity-x509' as const}
    await fails({...base, flags: {...SHARED, destination: '/d', nameSelector: 'a', labelSelector: 'k=v'}}, '--name-selector: cannot be used together with --label-selector')
    await fails({...base, flags: {...SHARED, destination: '/d'}}, '--name-selector: one of --name-selector or --label-selector must be set')
    await fails({...base, flags: {...SHARED, nameSelector: 'a'}}, '--destination: is required')
    await fails({...base, flags: {...SHARED, destination: 'file://host/d', nameSelector: 'a'}}, '--destination: file-backed data storage must be on the local host')
    await fails({...base, flags: {...SHARED, destination: 's3://bucket/d', nameSelector: 'a'}}, '--destination: unrecognized data storage scheme "s3"; use file:///path or memory://')
    await fails({...base, flags: {...SHARED, destination: '/d', labelSelector: 'env'}}, '--label-selector: invalid label spec "env": expected key=value[,key=value...]')
  })
})

describe('tbot start workload-identity-jwt / workload-identity-api', () => {
  it('jwt: repeated --audience', async () => {
    const c = await buildTbotConfig({
      serviceType: 'workload-identity-jwt',
      flags: {...SHARED, destination: 'file:///opt/jwt', nameSelector: 'a', audience: ['sts.amazonaws.com', 'b']},
    })
    const svc = c.services[0] as JwtOutputConfig
    assert.deepEqual(svc.audiences, ['sts.amazonaws.com', 'b'])
    assert.deepEqual(svc.destination, {type: 'directory', path: '/opt/jwt', symlinks: 'try-secure'})
    await fails({serviceType: 'workload-identity-jwt', flags: {...SHARED, destination: '/d', nameSelector: 'a'}}, '--audience: must have at least one value')
  })

  it('api: --listen, validated like the file form', async () => {
    const c = await buildTbotConfig({
      serviceType: 'workload-identity-api',
      flags: {...SHARED, listen: 'unix:///opt/machine-id/workload.sock', labelSelector: 'app=web'},
    })
    const svc = c.services[0] as WorkloadApiConfig
    assert.deepEqual(svc.listenAddress, {network: 'unix', path: '/opt/machine-id/workload.sock'})
    assert.deepEqual(svc.selector, {labels: {app: ['web']}})
    await fails({serviceType: 'workload-identity-api', flags: {...SHARED, nameSelector: 'a'}}, '--listen: is required')
    await fails({serviceType: 'workload-identity-api', flags: {...SHARED, nameSelector: 'a', listen: 'tcp://localhost:1'}},
      'command line: services[0].listen: "tcp://localhost:1": tcp socket URI host component must be an IP:port')
  })
})

describe('shared start flags', () => {
  it('maps every shared flag', async () => {
    const pin = `sha256:${'cd'.repeat(32)}`
    const c = await buildTbotConfig({flags: {
      authServer: 'auth:3025', token: 'tok', joinMethod: 'token', caPin: [pin], certificateTtl: '2h',
      renewalInterval: '30m', oneshot: true, storage: 'memory://', diagAddr: '127.0.0.1:3001', debug: true,
    }})
    assert.equal(c.authServer, 'auth:3025')
    assert.deepEqual(c.onboarding.caPins, [pin])
    assert.equal(c.credentialTtlMs, 7_200_000)
    assert.equal(c.renewalIntervalMs, 1_800_000)
    assert.equal(c.oneshot, true)
    assert.equal(c.debug, true)
    assert.equal(c.diagAddr, '127.0.0.1:3001')
    assert.deepEqual(c.storage, {type: 'memory'})
    const d = await buildTbotConfig({flags: {...SHARED, storage: '/var/lib/bot', insecure: true}})
    assert.deepEqual(d.storage, {type: 'directory', path: '/var/lib/bot', symlinks: 'try-secure'})
    assert.equal(d.insecure, true)
    const s = await buildTbotConfig({flags: {...SHARED, storage: 'file:///srv/bot'}})
    assert.deepEqual(s.storage, {type: 'directory', path: '/srv/bot', symlinks: 'try-secure'})
  })

  it('rejects bad values with the flag named', async () => {
    await fails({flags: {...SHARED, certificateTtl: 'soon'}}, '--certificate-ttl: invalid duration "soon"')
    await fails({flags: {...SHARED, storage: 'memory://x'}}, '--storage: memory-backed data storage should not have host or path specified')
    await fails({flags: {...SHARED, joinMethod: 'azure'}}, 'command line: onboarding.join_method: join method "azure" is not supported by svidkit; supported: token, kubernetes, github, gitlab, bound_keypair')
    await fails({flags: {...SHARED, insecure: true, caPin: [`sha256:${'00'.repeat(32)}`]}}, 'command line: onboarding.ca_pins: the option ca-pin is mutually exclusive with --insecure')
    await fails({flags: {...SHARED, certificateTtl: '10m'}}, 'command line: renewal_interval: 20m0s must be shorter than credential_ttl (10m0s); increase the credential TTL or decrease the renewal interval')
  })

  it('parses label specs', () => {
    assert.deepEqual(parseLabelSpec('a=1,b="two"'), {a: ['1'], b: ['two']})
    assert.throws(() => parseLabelSpec('a=1,,b=2'), {message: '--label-selector: invalid label spec "a=1,,b=2": expected key=value[,key=value...]'})
  })
})

describe('flags over a config file (-c)', () => {
  let dir = ''
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tbot-cli-')) })
  after(async () => { await rm(dir, {recursive: true, force: true}) })

  it('-c FILE --ca-pin X keeps the file\'s join_method and token; the pin replaces its ca_path', async () => {
    const file = join(dir, 'k8s.yaml')
    await writeFile(file, 'version: v2\nproxy_server: p.example.com:443\nonboarding: {join_method: kubernetes, token: my-bot-token, ca_path: /etc/ca.pem}\n')
    const pin = `sha256:${'ab'.repeat(32)}`
    const c = await buildTbotConfig({configFile: file, flags: {caPin: [pin]}})
    assert.deepEqual(c.onboarding, {joinMethod: 'kubernetes', token: 'my-bot-token', caPins: [pin]})
  })

  it('set flags override the file, field by field in onboarding, a one-line service is appended', async () => {
    const file = join(dir, 'tbot.yaml')
    await writeFile(file, `version: v2
proxy_server: old.example.com:443
onboarding: {join_method: token, token: file-token, ca_path: /etc/ca.pem}
services:
- {type: workload-identity-jwt, audiences: [a], destination: {type: memory}, selector: {name: j}}
`)
    const tokenFile = join(dir, 'token')
    await writeFile(tokenFile, 'flag-token\n')
    const c = await buildTbotConfig({
      configFile: file,
      serviceType: 'workload-identity-x509',
      flags: {proxyServer: 'new.example.com:443', token: tokenFile, oneshot: true, destination: join(dir, 'out'), nameSelector: 'x'},
    })
    assert.equal(c.source, file)
    assert.equal(c.proxyServer, 'new.example.com:443')
    assert.equal(c.oneshot, true)
    assert.deepEqual(c.onboarding, {joinMethod: 'token', token: 'flag-token', tokenFile, caPins: [], caPath: '/etc/ca.pem'})
    assert.deepEqual(c.services.map((s) => [s.type, s.origin]), [
      ['workload-identity-jwt', 'services[0]'],
      ['workload-identity-x509', 'services[1]'],
    ])
  })

  it('errors in the file still name the file', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'version: v2\nservices:\n- {type: workload-identity-api, selector: {name: a}}\n')
    await fails({configFile: file, flags: {oneshot: true}}, `${file}: services[0].listen: should not be empty`)
  })
})
