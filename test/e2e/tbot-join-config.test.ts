/**
 * Issue 4 end to end, continued: joining with the single-use token (used, expired, unknown, and a
 * restart that needs no token), bad configurations through the real binary, and the log formats.
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {promises as fs, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {assertNoSecrets, exists, logLines, makeCluster, modeOf, type Cluster} from './tbot-cluster.js'

let c: Cluster
before(async () => {
  c = await makeCluster()
})
after(() => c?.remove())

const REFUSED = 'ERROR: joining the cluster failed: the join token is unknown, already used or expired\n'
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|DEBU|ERRO) \[TBOT\] {6}\S/

/** One-line X.509 output, oneshot, into `<name>-out` with storage `<name>-state`. */
function x509Args(name: string, ...extra: string[]): string[] {
  return ['start', 'workload-identity-x509', `--destination=${join(c.dir, `${name}-out`)}`, '--name-selector=payments-processor',
    `--storage=${join(c.dir, `${name}-state`)}`, '--oneshot', ...extra]
}

describe('tbot joining on the local backend', {concurrency: true}, () => {
  it('spends the token once: a second tbot with the same token is refused; a restart with its storage needs no token', async () => {
    const token = await c.addBot('join-bot', '--roles', 'payments-svid-issuer')
    // The token as an absolute file path (onboarding.token may be either).
    const tokenFile = join(c.dir, 'join-bot.token')
    await fs.writeFile(tokenFile, token + '\n')
    let r = await c.tbot(...x509Args('first', `--token=${tokenFile}`, '--debug'))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /INFO \[TBOT\] {6}Joined the cluster cluster:example\.teleport\.sh storage:file:\/\/\S+\/first-state\n/)
    assert.deepEqual(readdirSync(join(c.dir, 'first-state')), ['identity.pem'])
    assert.equal(await modeOf(join(c.dir, 'first-state', 'identity.pem')), 0o600)
    assertNoSecrets(r.stderr, [token])

    r = await c.tbot(...x509Args('second', `--token=${token}`))
    assert.equal(r.code, 1)
    assert.ok(r.stderr.endsWith(REFUSED), r.stderr)
    assert.deepEqual(readdirSync(join(c.dir, 'second-state')), [], 'no identity stored')
    assert.equal(await exists(join(c.dir, 'second-out', 'svid.pem')), false)
    assertNoSecrets(r.stderr, [token])

    await fs.rm(tokenFile) // a restart reads neither the token nor its file
    const before = await fs.readFile(join(c.dir, 'first-state', 'identity.pem'), 'utf8')
    r = await c.tbot(...x509Args('first'))
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stderr, /Joined the cluster/)
    assert.match(r.stderr, /INFO \[TBOT\] {6}Renewed the stored bot identity cluster:example\.teleport\.sh storage:\S+\/first-state expires:\S+\n/)
    assert.notEqual(await fs.readFile(join(c.dir, 'first-state', 'identity.pem'), 'utf8'), before, 'the stored identity was renewed')
    assert.match(r.stderr, /Generated X509 SVID/)
  })

  it('refuses an unknown token and an expired one, with a clear message, writing nothing', async () => {
    const unknown = randomBytes(16).toString('hex')
    let r = await c.tbot(...x509Args('unknown', `--token=${unknown}`))
    assert.equal(r.code, 1)
    assert.ok(r.stderr.endsWith(REFUSED), r.stderr)
    assertNoSecrets(r.stderr, [unknown])

    const expiring = await c.addBot('expired-bot', '--roles', 'payments-svid-issuer', '--ttl', '1s')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    r = await c.tbot(...x509Args('expired', `--token=${expiring}`))
    assert.equal(r.code, 1)
    assert.ok(r.stderr.endsWith(REFUSED), r.stderr)
    assert.deepEqual(readdirSync(join(c.dir, 'expired-state')), [])
    assert.deepEqual(await fs.readdir(join(c.dir, 'expired-out')).catch(() => []), [])
    assertNoSecrets(r.stderr, [expiring])
  })

  it('a stored identity that has expired is not used: tbot says why and needs a new token', async () => {
    const token = await c.addBot('lapsed-bot', '--roles', 'payments-svid-issuer')
    let r = await c.tbot(...x509Args('lapsed', `--token=${token}`, '--certificate-ttl=2s'))
    assert.equal(r.code, 0, r.stderr)
    await new Promise((resolve) => setTimeout(resolve, 2500))
    r = await c.tbot(...x509Args('lapsed', `--token=${token}`, '--certificate-ttl=2s'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /WARN \[TBOT\] {6}Stored bot identity cannot be used; joining again reason:the bot identity has expired\n/)
    assert.ok(r.stderr.endsWith(REFUSED), r.stderr)
    // A new token for the same bot lets it join again.
    const fresh = await c.tctl('tokens', 'add', '--type=bot', '--bot-name=lapsed-bot', '--format=json')
    assert.equal(fresh.code, 0, fresh.stderr)
    const next = (JSON.parse(fresh.stdout) as {metadata: {name: string}}).metadata.name
    r = await c.tbot(...x509Args('lapsed', `--token=${next}`))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /INFO \[TBOT\] {6}Joined the cluster/)
    assertNoSecrets(r.stderr, [token, next])
  })

  it('with no stored identity and no token: says the token is needed', async () => {
    const r = await c.tbot(...x509Args('tokenless'))
    assert.equal(r.code, 1)
    assert.ok(r.stderr.endsWith('ERROR: command line: onboarding.token: a join token is required to join the cluster for the first time\n'), r.stderr)
  })
})

describe('tbot with bad configurations', {concurrency: true}, () => {
  const OUTPUT = '  - type: workload-identity-jwt\n    destination: {type: directory, path: ./o}\n'
  const cases: Array<[string, string, string]> = [
    ['missing selector', `version: v2\noutputs:\n${OUTPUT}    audiences: [a]\n`, `outputs[0].selector: one of ['name', 'labels'] must be set`],
    ['both selectors', `version: v2\noutputs:\n${OUTPUT}    selector: {name: x, labels: {a: [b]}}\n    audiences: [a]\n`, `outputs[0].selector: at most one of ['name', 'labels'] can be set`],
    ['audiences empty', `version: v2\noutputs:\n${OUTPUT}    selector: {name: x}\n    audiences: []\n`, 'outputs[0].audiences: must have at least one value'],
    ['unknown top-level field', 'version: v2\nbogus: 1\n', 'unknown field "bogus"'],
    ['unknown field in an output', `version: v2\noutputs:\n${OUTPUT}    selector: {name: x}\n    audiences: [a]\n    bogus: 1\n`, 'outputs[0]: unknown field "bogus"'],
    ['bad duration', 'version: v2\ncredential_ttl: 5x\n', 'credential_ttl: unknown unit "x" in duration "5x"'],
    ['renewal_interval ≥ credential_ttl', 'version: v2\ncredential_ttl: 10m\nrenewal_interval: 10m\n',
      'renewal_interval: 10m0s must be shorter than credential_ttl (10m0s); increase the credential TTL or decrease the renewal interval'],
    ['a service renewing after its credential expires', 'version: v2\nservices:\n  - type: workload-identity-x509\n    destination: {type: directory, path: ./o}\n    selector: {name: x}\n    credential_ttl: 10m\n    renewal_interval: 15m\n',
      'services[0].renewal_interval: 15m0s must be shorter than credential_ttl (10m0s); increase the credential TTL or decrease the renewal interval'],
    ['credential_ttl above 24h', 'version: v2\ncredential_ttl: 48h\n', 'credential_ttl: 48h0m0s exceeds the maximum TTL allowed (24h0m0s)'],
    ['not v2', 'outputs: []\n', 'version: must be set to v2 (svidkit reads tbot config v2 only)'],
  ]
  for (const [name, yaml, message] of cases) {
    it(`${name}: one line naming the file and field, exit 1`, async () => {
      const file = join(c.dir, `bad-${name.replace(/\W+/g, '-')}.yaml`)
      await fs.writeFile(file, yaml)
      const r = await c.tbot('start', '-c', file)
      assert.equal(r.code, 1, r.stderr)
      assert.equal(r.stderr, `ERROR: ${file}: ${message}\n`)
      assert.equal(r.stdout, '')
    })
  }

  it('bad flags: a bad duration exits 1 naming the flag; usage errors exit 2', async () => {
    let r = await c.tbot('start', 'workload-identity-x509', '--destination=./o', '--name-selector=x', '--certificate-ttl=abc')
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'ERROR: --certificate-ttl: invalid duration "abc"\n')
    r = await c.tbot('start', 'workload-identity-x509', '--destination=./o')
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'ERROR: --name-selector: one of --name-selector or --label-selector must be set\n')
    r = await c.tbot('start', 'workload-identity-jwt', '--destination=./o', '--name-selector=x')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Missing required flag audience/)
    r = await c.tbot('start', '--bogus')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^ERROR: Nonexistent flag: --bogus\n/)
  })
})

describe('tbot logs', {concurrency: true}, () => {
  it('text: one Teleport-style line per event, INFO [TBOT]', async () => {
    const token = await c.addBot('text-log-bot', '--roles', 'payments-svid-issuer')
    const r = await c.tbot(...x509Args('text-log', `--token=${token}`))
    assert.equal(r.code, 0, r.stderr)
    const lines = logLines(r.stderr)
    assert.equal(lines.length, r.stderr.split('\n').length - 1, 'nothing but log lines')
    for (const line of lines) assert.match(line, LOG_LINE)
    assert.deepEqual(lines.map((l) => l.slice(25).replace(/ [a-z_]+:\S.*$/, '')), [
      'INFO [TBOT]      Starting tbot',
      'INFO [TBOT]      Joined the cluster',
      'INFO [TBOT]      Generated X509 SVID',
      'INFO [TBOT]      Oneshot mode: every output generated, exiting',
    ])
    assertNoSecrets(r.stderr, [token])
  })

  it('--log-format json: JSON lines with level, component and message; the final error stays a plain ERROR line as in Teleport', async () => {
    const token = await c.addBot('json-log-bot', '--roles', 'payments-svid-issuer')
    let r = await c.tbot(...x509Args('json-log', `--token=${token}`, '--log-format=json', '--debug'))
    assert.equal(r.code, 0, r.stderr)
    const records = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const record of records) {
      assert.match(String(record.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      assert.equal(record.component, 'tbot')
      assert.ok(['debug', 'info'].includes(String(record.level)), String(record.level))
    }
    const generated = records.find((x) => x.message === 'Generated X509 SVID')
    assert.ok(generated, r.stderr)
    assert.equal(generated.spiffe_id, 'spiffe://example.teleport.sh/svc/payments/processor')
    assert.equal(generated.service, 'workload-identity-x509-1')
    assertNoSecrets(r.stderr, [token])

    const lacking = await c.addBot('json-log-lacking')
    r = await c.tbot(...x509Args('json-lacking', `--token=${lacking}`, '--log-format=json'))
    assert.equal(r.code, 1)
    const lines = r.stderr.trimEnd().split('\n')
    for (const line of lines.slice(0, -1)) JSON.parse(line)
    assert.match(lines.at(-1)!, /^ERROR: workload-identity-x509-1: access denied to perform action "list" on "workload_identity"/)
    assertNoSecrets(r.stderr, [lacking])
  })
})
