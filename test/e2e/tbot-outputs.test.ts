/**
 * Issue 4 end to end: the real `tbot` on the local backend writes the seeds' SVID files, renews them
 * while another process reads them, and reacts to role changes; the files are checked with openssl
 * and with key material read straight from the data directory, not with our own SVID code.
 */
import assert from 'node:assert/strict'
import {createPublicKey, X509Certificate} from 'node:crypto'
import {promises as fs, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {readDataDirCa} from '../helpers/ca-state.js'
import {assertNoSecrets, exists, logLines, makeCluster, modeOf, openssl, spawnNode, TRUST_DOMAIN, waitFor, type Cluster} from './tbot-cluster.js'
import {READER_SCRIPT, type ReaderReport} from './svid-reader.js'

let c: Cluster
before(async () => {
  c = await makeCluster()
})
after(() => c?.remove())

const b64url = (s: string) => Buffer.from(s, 'base64url')

describe('tbot outputs on the local backend', {concurrency: true}, () => {
  it('AWS guide: role added to the bot, v2 config with the seed outputs snippet → a jwt_svid that verifies against the CA key', async () => {
    const token = await c.addBot('aws-bot')
    const update = await c.tctl('bots', 'update', 'aws-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.equal(update.stderr, 'Bot has been updated, roles will take effect on its next renewal\n')
    const out = join(c.dir, 'opt-workload-identity')
    // The guide's snippet, verbatim but for the path (/opt/workload-identity is not writable here).
    const config = [
      'version: v2',
      'onboarding:',
      '  join_method: token',
      `  token: ${token}`,
      'storage:',
      '  type: directory',
      `  path: ${join(c.dir, 'aws-bot-state')}`,
      'outputs:',
      '  - type: workload-identity-jwt',
      '    destination:',
      '      type: directory',
      `      path: ${out}`,
      '    selector:',
      '      name: example-workload-identity',
      '    audiences: [ "sts.amazonaws.com" ]',
      '',
    ].join('\n')
    await fs.writeFile(join(c.dir, 'aws-tbot.yaml'), config)
    const r = await c.tbot('start', '-c', join(c.dir, 'aws-tbot.yaml'), '--oneshot')
    assert.equal(r.code, 0, r.stderr)
    assertNoSecrets(r.stderr, [token])

    assert.deepEqual(readdirSync(out), ['jwt_svid'])
    assert.equal(await modeOf(join(out, 'jwt_svid')), 0o600)
    const jwt = await fs.readFile(join(out, 'jwt_svid'), 'utf8')
    assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWS with no trailing newline')
    assert.ok(!r.stderr.includes(jwt))
    const [h, p, s] = jwt.split('.') as [string, string, string]
    const header = JSON.parse(b64url(h).toString()) as Record<string, unknown>
    const claims = JSON.parse(b64url(p).toString()) as Record<string, unknown>
    assert.equal(header.alg, 'RS256')
    assert.equal(typeof header.kid, 'string')
    assert.equal(claims.sub, `spiffe://${TRUST_DOMAIN}/svc/example-service`)
    assert.deepEqual(claims.aud, ['sts.amazonaws.com'])
    assert.equal(claims.iss, `https://${TRUST_DOMAIN}/workload-identity`)
    assert.equal((claims.exp as number) - (claims.iat as number), 3600, 'credential_ttl defaults to 1h')
    assert.match(r.stderr, /INFO \[TBOT\]\s+Generated JWT SVID service:workload-identity-jwt-1 spiffe_id:spiffe:\/\/example\.teleport\.sh\/svc\/example-service audiences:\[sts\.amazonaws\.com\]/)

    // The signature, checked by openssl with the public half of the cluster's JWT key file.
    const publicPem = (await readDataDirCa(c.dataDir)).jwtKey.publicKey.export({type: 'spki', format: 'pem'}).toString()
    const verify = async (signed: string) => {
      const data = join(c.dir, 'jwt-signed-part')
      const sig = join(c.dir, 'jwt-signature')
      await fs.writeFile(data, signed)
      await fs.writeFile(sig, b64url(s))
      await fs.writeFile(join(c.dir, 'jwt-key.pem'), publicPem)
      try {
        return openssl(['dgst', '-sha256', '-verify', join(c.dir, 'jwt-key.pem'), '-signature', sig, data]).trim()
      } catch (err) {
        return String((err as {stdout?: string}).stdout ?? err).trim()
      }
    }
    assert.equal(await verify(`${h}.${p}`), 'Verified OK')
    const forged = Buffer.from(JSON.stringify({...claims, sub: `spiffe://${TRUST_DOMAIN}/svc/admin`})).toString('base64url')
    assert.equal(await verify(`${h}.${forged}`), 'Verification failure', 'the check can fail')

    // tctl's exported JWKS names the same key under the JWT's kid.
    const jwks = await c.tctl('workload-identity', 'export-bundle', '--format', 'jwks')
    assert.equal(jwks.code, 0, jwks.stderr)
    const keys = (JSON.parse(jwks.stdout) as {keys: Array<Record<string, unknown>>}).keys
    const key = keys.find((k) => k.kid === header.kid)
    assert.ok(key, `kid ${String(header.kid)} in ${jwks.stdout}`)
    const fromJwks = createPublicKey({key: key as never, format: 'jwk'}).export({type: 'spki', format: 'pem'})
    assert.equal(fromJwks, publicPem)
  })

  it('overview: the X.509 output — URI and DNS SANs, openssl verify against svid_bundle.pem, PKCS#8 key that matches, all 0600', async () => {
    const token = await c.addBot('overview-bot', '--roles', 'payments-svid-issuer')
    const out = join(c.dir, 'machine-id-svid')
    const config = [
      'version: v2',
      `onboarding: {join_method: token, token: ${token}}`,
      `storage: {type: directory, path: ${join(c.dir, 'overview-bot-state')}}`,
      // The overview's services snippet, verbatim but for the path.
      'services:',
      '  - type: workload-identity-x509',
      '    destination:',
      '      type: directory',
      `      path: ${out}`,
      '    selector:',
      '      name: payments-processor',
      '',
    ].join('\n')
    await fs.writeFile(join(c.dir, 'overview-tbot.yaml'), config)
    const r = await c.tbot('start', '-c', join(c.dir, 'overview-tbot.yaml'), '--oneshot')
    assert.equal(r.code, 0, r.stderr)
    assertNoSecrets(r.stderr, [token])

    assert.deepEqual(readdirSync(out).sort(), ['svid.pem', 'svid_bundle.pem', 'svid_key.pem'], 'no temp files left behind')
    assert.equal(await modeOf(out), 0o700)
    for (const name of readdirSync(out)) assert.equal(await modeOf(join(out, name)), 0o600, name)
    const svid = join(out, 'svid.pem')
    const text = openssl(['x509', '-in', svid, '-noout', '-ext', 'subjectAltName'])
    assert.match(text, /X509v3 Subject Alternative Name: critical\n\s+URI:spiffe:\/\/example\.teleport\.sh\/svc\/payments\/processor, DNS:payments-processor\.internal\.example\.com\n/)
    assert.equal(openssl(['verify', '-CAfile', join(out, 'svid_bundle.pem'), svid]), `${svid}: OK\n`)
    assert.equal(await fs.readFile(join(out, 'svid_bundle.pem'), 'utf8'), (await readDataDirCa(c.dataDir)).spiffeCa.certPem)

    const keyPem = await fs.readFile(join(out, 'svid_key.pem'), 'utf8')
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/, 'PKCS#8')
    assert.match(openssl(['asn1parse', '-in', join(out, 'svid_key.pem')]), /OBJECT\s+:id-ecPublicKey[\s\S]+OBJECT\s+:prime256v1/)
    assert.equal(openssl(['pkey', '-in', join(out, 'svid_key.pem'), '-pubout']), openssl(['x509', '-in', svid, '-noout', '-pubkey']))
    const serial = new X509Certificate(await fs.readFile(svid)).serialNumber.toLowerCase().replace(/^0+/, '')
    const logged = /Generated X509 SVID service:workload-identity-x509-1 spiffe_id:\S+ expires:\S+ serial:([0-9a-f:]+)/.exec(r.stderr)
    assert.ok(logged, r.stderr)
    assert.equal(logged[1]!.replaceAll(':', '').replace(/^0+/, ''), serial)
  })

  it('renewal: files replaced before expiry over several cycles; a tight-loop reader never sees a partial file or an orphaned key; SIGTERM exits 0', async (t) => {
    const token = await c.addBot('renew-bot', '--roles', 'payments-svid-issuer')
    const out = join(c.dir, 'renew-svids')
    const tbot = c.startTbot('start', 'workload-identity-x509', `--token=${token}`, `--destination=${out}`, '--name-selector=payments-processor',
      `--storage=${join(c.dir, 'renew-bot-state')}`, '--certificate-ttl=20s', '--renewal-interval=2s')
    const svid = join(out, 'svid.pem')
    await waitFor('the first svid.pem', async () => ((await exists(svid)) ? true : undefined), tbot.stderr)

    const readerRun = spawnNode(['--input-type=module', '-e', READER_SCRIPT, out], c.env)
    await waitFor('the reader to start', () => (readerRun.stderr().startsWith('ready\n') ? true : undefined), readerRun.stderr)
    // The test watches the serial itself too: each replacement must come before the previous cert expires.
    const seen: Array<{serial: string; notAfter: number; at: number}> = []
    await waitFor('four distinct certificates', async () => {
      const cert = new X509Certificate(await fs.readFile(svid))
      if (seen.at(-1)?.serial !== cert.serialNumber) seen.push({serial: cert.serialNumber, notAfter: Date.parse(cert.validTo), at: Date.now()})
      return seen.length >= 4 ? true : undefined
    }, tbot.stderr)
    readerRun.child.kill('SIGTERM')
    const readerResult = await readerRun.done
    assert.equal(readerResult.code, 0, readerResult.stderr)
    assert.equal(readerResult.stderr, 'ready\n')
    const report = JSON.parse(readerResult.stdout) as ReaderReport
    t.diagnostic(`reader: ${readerResult.stdout}`)

    tbot.child.kill('SIGTERM')
    const r = await tbot.done
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.signal, null)
    assert.match(r.stderr, /INFO \[TBOT\]\s+Received signal, shutting down after the work in flight signal:SIGTERM\n/)
    assert.match(r.stderr, /INFO \[TBOT\]\s+tbot stopped\n$/)
    assertNoSecrets(r.stderr, [token])
    assert.ok(logLines(r.stderr).every((l) => / (INFO|WARN) \[TBOT\] /.test(l)), r.stderr)
    assert.ok((r.stderr.match(/Renewed bot identity service:identity/g) ?? []).length >= 2, 'the 20s bot identity is renewed too')

    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.at < seen[i - 1]!.notAfter, 'replaced before the previous one expired')
    assert.deepEqual(report.problems, [], 'no partial, unparseable or orphaned file')
    assert.ok(report.serials >= 3, `the reader saw ${report.serials} generations`)
    assert.ok(report.reads > report.serials)
    // Reading svid.pem then svid_key.pem, a reader can catch the key of the next generation (it is
    // written first); it must never catch a key older than the certificate. The report counts those
    // transient pairs, each confirmed by the certificate that followed.
    assert.equal(report.transientMismatches, report.confirmedNextKeys)
    assert.deepEqual(readdirSync(out).sort(), ['svid.pem', 'svid_bundle.pem', 'svid_key.pem'])
  })

  it('a bot lacking the role: the refusal is logged and retried with backoff, nothing written; bots update --add-roles clears it at the next retry', async () => {
    const token = await c.addBot('late-bot')
    const out = join(c.dir, 'late-svids')
    const tbot = c.startTbot('start', 'workload-identity-jwt', `--token=${token}`, `--destination=${out}`, '--name-selector=example-workload-identity',
      '--audience=sts.amazonaws.com', `--storage=${join(c.dir, 'late-bot-state')}`, '--certificate-ttl=10m', '--renewal-interval=5m', '--debug')
    const refusals = () => [...tbot.stderr().matchAll(/WARN \[TBOT\]\s+Failed to generate JWT SVID, will retry service:workload-identity-jwt-1 error:\[(.*)\] attempt:(\d+) retry_in:(\S+)\n/g)]
    await waitFor('three refusals', () => (refusals().length >= 3 ? true : undefined), tbot.stderr)
    const seen = refusals()
    assert.equal(seen[0]![1], 'access denied to perform action "list" on "workload_identity", access denied to perform action "read" on "workload_identity"')
    assert.deepEqual(seen.slice(0, 3).map((m) => m[2]), ['1', '2', '3'])
    // Half-jittered capped exponential backoff: attempt n waits within [2^(n-1)/2, 2^(n-1)] seconds.
    seen.slice(0, 3).forEach((m, i) => {
      const ms = goDurationMs(m[3]!)
      assert.ok(ms >= 500 * 2 ** i && ms <= 1000 * 2 ** i, `retry ${i + 1} waits ${m[3]}`)
    })
    assert.deepEqual(readdirSync(out), [], 'nothing written while refused')

    const before = tbot.stderr().length
    const update = await c.tctl('bots', 'update', 'late-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.equal(update.code, 0, update.stderr)
    await waitFor('jwt_svid', async () => ((await exists(join(out, 'jwt_svid'))) ? true : undefined), tbot.stderr)
    await waitFor('the success log line', () => (tbot.stderr().includes('Generated JWT SVID') ? true : undefined), tbot.stderr)
    const after = tbot.stderr().slice(before)
    assert.ok((after.match(/Failed to generate JWT SVID/g) ?? []).length <= 1, `at most the retry already under way fails:\n${after}`)
    assert.match(after, /DEBU \[TBOT\]\s+Renewed bot identity before retrying, to pick up role changes/)

    tbot.child.kill('SIGTERM')
    const r = await tbot.done
    assert.equal(r.code, 0, r.stderr)
    assertNoSecrets(r.stderr, [token])
    const jwt = await fs.readFile(join(out, 'jwt_svid'), 'utf8')
    assert.ok(!r.stderr.includes(jwt))
  })

  it('SIGHUP reloads the config file: a new output starts; a broken file is reported and the running config kept', async () => {
    const token = await c.addBot('hup-bot', '--roles', 'example-workload-identity-issuer,payments-svid-issuer')
    const file = join(c.dir, 'hup-tbot.yaml')
    const jwtOut = join(c.dir, 'hup-jwt')
    const x509Out = join(c.dir, 'hup-x509')
    const head = `version: v2\nonboarding: {token: ${token}}\nstorage: {type: directory, path: ${join(c.dir, 'hup-state')}}\nrenewal_interval: 10m\noutputs:\n` +
      `  - {type: workload-identity-jwt, destination: {type: directory, path: ${jwtOut}}, selector: {name: example-workload-identity}, audiences: [sts.amazonaws.com]}\n`
    await fs.writeFile(file, head)
    const tbot = c.startTbot('start', '-c', file)
    await waitFor('jwt_svid', async () => ((await exists(join(jwtOut, 'jwt_svid'))) ? true : undefined), tbot.stderr)

    await fs.writeFile(file, head + `  - {type: workload-identity-x509, destination: {type: directory, path: ${x509Out}}, selector: {labels: {team: [payments]}}}\n`)
    tbot.child.kill('SIGHUP')
    await waitFor('svid.pem after the reload', async () => ((await exists(join(x509Out, 'svid.pem'))) ? true : undefined), tbot.stderr)
    // The file can be on disk before its log line has come through the pipe.
    await waitFor('the X.509 log line', () => (tbot.stderr().includes('Generated X509 SVID') ? true : undefined), tbot.stderr)
    assert.match(tbot.stderr(), /INFO \[TBOT\] {6}Received signal, reloading configuration signal:SIGHUP\n/)
    assert.match(tbot.stderr(), /INFO \[TBOT\] {6}Configuration reloaded services:2\n/)

    await fs.writeFile(file, head.replace('renewal_interval: 10m', 'renewal_interval: 2h'))
    tbot.child.kill('SIGHUP')
    const failure = new RegExp(`ERRO \\[TBOT\\] {6}Failed to reload configuration, keeping the current one error:\\[${file}: renewal_interval: 2h0m0s must be shorter than credential_ttl \\(1h0m0s\\); increase the credential TTL or decrease the renewal interval\\]\n`)
    await waitFor('the reload failure', () => (failure.test(tbot.stderr()) ? true : undefined), tbot.stderr)
    assert.equal(tbot.child.exitCode, null, 'still running')

    tbot.child.kill('SIGTERM')
    const r = await tbot.done
    assert.equal(r.code, 0, r.stderr)
    assertNoSecrets(r.stderr, [token])
  })

  it('--oneshot without the role: exit 1 with the reason, nothing written', async () => {
    const token = await c.addBot('oneshot-bot')
    const out = join(c.dir, 'oneshot-svids')
    const r = await c.tbot('start', 'workload-identity-x509', `--token=${token}`, `--destination=${out}`, '--name-selector=payments-processor',
      `--storage=${join(c.dir, 'oneshot-bot-state')}`, '--oneshot')
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /\nERROR: workload-identity-x509-1: access denied to perform action "list" on "workload_identity", access denied to perform action "read" on "workload_identity"\n$/)
    assert.deepEqual(await fs.readdir(out).catch(() => []), [])
    assertNoSecrets(r.stderr, [token])
  })
})

function goDurationMs(d: string): number {
  let ms = 0
  for (const [, n, unit] of d.matchAll(/([\d.]+)(ms|s|m|h)/g)) ms += Number(n) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[unit as 'ms']
  return ms
}
