/**
 * The hardening issue's low items 9-12 through the real `tctl`, against the local data directory
 * and the server alike: join token TTLs (usage errors, a 48h cap, expired tokens marked in
 * `tokens ls`), SPIFFE IDs that cannot fit in 2048 bytes, roles still held by bots, and confusable
 * or flag-like names. Each case performs the attack and checks the refusal and that nothing was written.
 */
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {cliEnv, start, type RunResult} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'

type Tctl = (...args: string[]) => Promise<RunResult>

const ROLE = (name: string) =>
  `kind: role\nversion: v6\nmetadata:\n  name: ${name}\nspec:\n  allow:\n    workload_identity_labels: {team: [a]}\n`

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server.stop())

async function localTctl(): Promise<Tctl> {
  const env = cliEnv({SVIDKIT_DATA_DIR: join(tempDir(), 'data')})
  const tctl: Tctl = (...args) => start('tctl', args, {env}).done
  const init = await tctl('init', '--cluster-name', 'example.teleport.sh')
  assert.equal(init.code, 0, init.stderr)
  return tctl
}

async function remoteTctl(): Promise<Tctl> {
  const env = cliEnv({TELEPORT_AUTH_SERVER: server.addr, TELEPORT_IDENTITY_FILE: server.identityFile, SVIDKIT_DATA_DIR: join(tempDir(), 'unused')})
  return (...args) => start('tctl', args, {env}).done
}

const ALPHABET = 'must contain only ASCII letters, digits and "-_.@:", found'

function refused(r: RunResult, code: number, stderr: string): void {
  assert.equal(r.code, code, r.stderr)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr, stderr)
}

describe('tctl hardening (local data directory)', () => {
  let tctl: Tctl
  before(async () => {
    tctl = await localTctl()
  })

  it('item 9: --ttl that is zero, negative or over 48h is a usage error (exit 2), for tokens add and bots add', async () => {
    const cases: Array<[string, string]> = [
      ['0s', 'must be positive, got 0s'],
      ['-5m', 'must be positive, got -5m0s'],
      ['1000000h', '1000000h0m0s exceeds the maximum TTL allowed (48h0m0s)'],
      ['soon', 'invalid duration "soon"'],
    ]
    await Promise.all(cases.flatMap(([ttl, problem], i) => [
      tctl('tokens', 'add', '--type=bot', '--bot-name=ttl-bot', `--ttl=${ttl}`)
        .then((r) => refused(r, 2, `ERROR: --ttl: ${problem}\nSee 'tctl tokens add --help'.\n`)),
      // bots add shares the flag's code: two of the cases are enough there.
      ...(i % 2 === 0 ? [tctl('bots', 'add', 'ttl-bot', `--ttl=${ttl}`)
        .then((r) => refused(r, 2, `ERROR: --ttl: ${problem}\nSee 'tctl bots add --help'.\n`))] : []),
    ]))
    // The flag written as two words, as in the report.
    refused(await tctl('tokens', 'add', '--type=bot', '--bot-name=ttl-bot', '--ttl', '-5m'), 2,
      'ERROR: --ttl: must be positive, got -5m0s\nSee \'tctl tokens add --help\'.\n')
    assert.equal((await tctl('get', 'bot/ttl-bot')).code, 1)
    assert.equal((await tctl('tokens', 'ls')).stdout, 'No active tokens found.\n')
    const longest = await tctl('tokens', 'add', '--type=bot', '--bot-name=ttl-bot', '--ttl=48h', '--format=json')
    assert.equal(longest.code, 0, longest.stderr)
    assert.equal((await tctl('tokens', 'rm', (JSON.parse(longest.stdout) as {metadata: {name: string}}).metadata.name)).code, 0)
  })

  it('item 9: tokens ls shows the time left, and marks a token that has expired', async () => {
    assert.equal((await tctl('tokens', 'add', '--type=bot', '--bot-name=ls-bot', '--value=short-lived', '--ttl=1s')).code, 0)
    assert.equal((await tctl('tokens', 'add', '--type=bot', '--bot-name=ls-bot', '--value=long-lived', '--ttl=30m')).code, 0)
    await sleep(1200)
    const ls = await tctl('tokens', 'ls')
    assert.equal(ls.code, 0, ls.stderr)
    const rows = ls.stdout.split('\n')
    const time = String.raw`\d{2} \w{3} \d{2} \d{2}:\d{2} UTC`
    assert.match(rows.find((l) => l.startsWith('long-lived ')) ?? '', new RegExp(`Bot\\s+${time} \\((29m5\\d|30m0)s\\)\\s*$`))
    assert.match(rows.find((l) => l.startsWith('short-lived ')) ?? '', new RegExp(`Bot\\s+${time} \\(expired\\)\\s*$`))
    await Promise.all(['short-lived', 'long-lived'].map(async (t) => assert.equal((await tctl('tokens', 'rm', t)).code, 0)))
  })

  it('item 10: a literal spec.spiffe.id too long for a SPIFFE ID is refused at create, naming the field', async () => {
    const file = join(tempDir(), 'long.yaml')
    writeFileSync(file, `kind: workload_identity\nversion: v1\nmetadata: {name: long-id}\nspec: {spiffe: {id: /${'a'.repeat(3020)}}}\n`)
    refused(await tctl('create', file), 1, `ERROR: ${file}: document 1: spec.spiffe.id: is 3021 bytes long, so its SPIFFE ID would be ` +
      'longer than 2048 bytes, the most the SPIFFE standard allows (SPIFFE-ID.md §2.3)\n')
    assert.equal((await tctl('get', 'workload_identity/long-id')).code, 1)
  })

  it('item 12: a file with a confusable name is refused, naming the file, document and field', async () => {
    const file = join(tempDir(), 'roles.yaml')
    writeFileSync(file, ROLE('fine') + '---\n' + ROLE('\u0430dmin'))
    refused(await tctl('create', file), 1, `ERROR: ${file}: document 2: metadata.name: ${ALPHABET} "а" (U+0430)\n`)
    assert.equal((await tctl('get', 'role/fine')).code, 1)
  })
})

/** What reaches the cluster: the same refusals from the local backend and from the server. */
for (const [where, open] of [['local', localTctl], ['remote', remoteTctl]] as const) {
  describe(`tctl hardening, refused by the cluster (${where})`, () => {
    let tctl: Tctl
    before(async () => {
      tctl = await open()
    })

    it('item 11: a role that bots hold is not deleted; the refusal names them', async () => {
      const file = join(tempDir(), 'role.yaml')
      writeFileSync(file, ROLE('held'))
      assert.equal((await tctl('create', file)).code, 0)
      assert.equal((await tctl('bots', 'add', 'holder', '--roles=held')).code, 0)
      refused(await tctl('rm', 'role/held'), 1, 'ERROR: failed to delete a role that is still in use by bot "holder"; ' +
        'take it from them first with "tctl bots update <bot> --set-roles ..."\n')
      assert.equal((await tctl('get', 'role/held')).code, 0)
      assert.equal((await tctl('bots', 'update', 'holder', '--set-roles=')).code, 0)
      const rm = await tctl('rm', 'role/held')
      assert.equal(rm.code, 0, rm.stderr)
      assert.equal((await tctl('bots', 'rm', 'holder')).code, 0)
    })

    it('item 12: flag-like and confusable bot names and token values are refused', async () => {
      const start = 'must start with an ASCII letter, a digit, "_" or "@", not "-"'
      // The name is judged before the roles are looked up.
      const cases: Array<[string[], string]> = [
        [['bots', 'add', '--roles=ghost', '--', '-rf'], `bot name "-rf": ${start}`],
        [['bots', 'add', '--roles=ghost', '--', '--force'], `bot name "--force": ${start}`],
        [['bots', 'add', '--roles=ghost', 'ｒｏｏｔ'], `bot name "ｒｏｏｔ": ${ALPHABET} "ｒ" (U+FF52)`],
        [['tokens', 'add', '--type=bot', '--bot-name=*'], `bot name "*": ${ALPHABET} "*" (U+002A)`],
        [['tokens', 'add', '--type=bot', '--bot-name=ok', '--value=t\u043eken'], `token value: ${ALPHABET} "о" (U+043E)`],
      ]
      await Promise.all(cases.map(async ([args, message]) => refused(await tctl(...args), 1, `ERROR: ${message}\n`)))
      const ls = await tctl('bots', 'ls')
      for (const name of ['-rf', '--force', 'ｒｏｏｔ']) assert.ok(!ls.stdout.includes(name), ls.stdout)
      assert.equal((await tctl('tokens', 'ls')).stdout, 'No active tokens found.\n')
    })
  })
}
