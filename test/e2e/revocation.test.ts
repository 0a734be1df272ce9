/**
 * X.509 revocation end to end on the local backend with the real binaries: `tctl workload-identity
 * revocations add|ls|crl|rm` with Teleport's lines, the CRL signed by the SPIFFE CA refusing the
 * revoked SVID in `openssl verify -crl_check` and in X509Svid.verify while another SVID passes,
 * svid_crl.pem written with the outputs, and a malformed serial refused with nothing changed.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {decodePemBlocks} from '../../src/lib/ca/pem.js'
import {TrustDomain} from '../../src/lib/spiffe/id.js'
import {X509Bundle} from '../../src/lib/spiffe/x509-bundle.js'
import {X509Svid} from '../../src/lib/spiffe/x509-svid.js'
import {cliEnv, REPO, run} from '../helpers/cli.js'
import {openssl} from '../helpers/openssl.js'

const TD = 'example.teleport.sh'
let dir: string
const tctl = (...args: string[]) => run('tctl', args, {env: cliEnv({SVIDKIT_DATA_DIR: join(dir, 'data')})})
const ok = (...args: string[]) => {
  const r = tctl(...args)
  assert.equal(r.code, 0, `tctl ${args.join(' ')}: ${r.stderr}`)
  return r
}
const serialOf = (pemFile: string) => openssl(['x509', '-in', pemFile, '-noout', '-serial']).stdout.trim().split('=')[1]!
const ders = (pem: string, type: string) => decodePemBlocks(pem).filter((b) => b.type === type).map((b) => b.der)

before(() => {
  // Not tempDir(): in a before() hook its after() would run at once.
  dir = mkdtempSync(join(tmpdir(), 'svidkit-revocation-'))
  ok('init', '--cluster-name', TD)
  for (const seed of ['aws-workload-identity.yaml', 'aws-role.yaml']) ok('create', join(REPO, 'test/fixtures/seeds', seed))
  for (const out of ['a', 'b']) ok('workload-identity', 'issue-x509', '--name-selector', 'example-workload-identity', '--output', join(dir, out))
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('X.509 revocation', () => {
  it('refuses a malformed serial and a type other than x509, changing nothing', () => {
    const bad = tctl('workload-identity', 'revocations', 'add', '--type', 'x509', '--serial', 'not-hex', '--reason', 'r')
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr, 'ERROR: normalizing serial\n\tinvalid serial number\n')
    const type = tctl('workload-identity', 'revocations', 'add', '--type', 'jwt', '--serial', '01', '--reason', 'r')
    assert.equal(type.stderr, 'ERROR: only x509 revocations are supported\n')
    assert.equal(ok('workload-identity', 'revocations', 'ls').stdout, 'No revocations configured\n')
  })

  it('a revoked SVID fails openssl verify -crl_check and X509Svid.verify; another passes', async () => {
    const serial = serialOf(join(dir, 'a', 'svid.pem'))
    const colons = serial.match(/../g)!.join(':')
    const name = BigInt('0x' + serial).toString(16)
    assert.equal(ok('workload-identity', 'revocations', 'add', '--type', 'x509', '--serial', colons, '--reason', 'key compromise').stdout,
      `Revocation for the X509 certificate with serial ${name} created\n`)
    const ls = ok('workload-identity', 'revocations', 'ls').stdout
    assert.match(ls, new RegExp(`^x509 +${name} +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +\\S+ \\(16\\dh\\d+m\\d+s\\) +key compromise$`, 'm'))
    const crlFile = join(dir, 'crl.pem')
    ok('workload-identity', 'revocations', 'crl', '--out', crlFile)
    const bundle = join(dir, 'a', 'svid_bundle.pem')
    const revoked = openssl(['verify', '-crl_check', '-CAfile', bundle, '-CRLfile', crlFile, join(dir, 'a', 'svid.pem')])
    assert.notEqual(revoked.status, 0)
    assert.match(revoked.stdout + revoked.stderr, /certificate revoked/)
    const good = openssl(['verify', '-crl_check', '-CAfile', bundle, '-CRLfile', crlFile, join(dir, 'b', 'svid.pem')])
    assert.equal(good.status, 0, good.stderr)

    const crls = ders(readFileSync(crlFile, 'utf8'), 'X509 CRL')
    const source = X509Bundle.parse(TrustDomain.parse(TD), readFileSync(bundle))
    const verify = (out: string) => X509Svid.verify(ders(readFileSync(join(dir, out, 'svid.pem'), 'utf8'), 'CERTIFICATE'), source, {crls})
    await assert.rejects(verify('a'), new RegExp(`^UnauthenticatedError: x509svid: could not verify leaf certificate: certificate revoked \\(serial ${name}\\)$`))
    assert.equal((await verify('b')).id.toString(), `spiffe://${TD}/svc/example-service`)
    assert.equal((await X509Svid.verify(ders(readFileSync(join(dir, 'a', 'svid.pem'), 'utf8'), 'CERTIFICATE'), source)).id.trustDomain.name, TD, 'without CRLs')

    // Outputs written after the revocation carry the CRL.
    ok('workload-identity', 'issue-x509', '--name-selector', 'example-workload-identity', '--output', join(dir, 'c'))
    const written = openssl(['crl', '-in', join(dir, 'c', 'svid_crl.pem'), '-noout', '-text']).stdout
    assert.match(written, new RegExp(`Serial Number: ${serial}`))

    assert.equal(ok('workload-identity', 'revocations', 'rm', '--type', 'x509', '--serial', serial).stdout,
      `Revocation for the X509 certificate with serial ${name} deleted\n`)
    ok('workload-identity', 'revocations', 'crl', '--out', crlFile)
    assert.equal(openssl(['verify', '-crl_check', '-CAfile', bundle, '-CRLfile', crlFile, join(dir, 'a', 'svid.pem')]).status, 0)
  })
})
