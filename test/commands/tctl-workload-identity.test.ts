/**
 * Issue "The certificate authority", through tctl in process: SVIDs issued as the admin verify
 * against the exported trust material with independent verifiers (openssl, PyJWT) and with our
 * own package API; the identity's rules still bind the admin; OIDC documents for static hosting.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {promises as fs, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {localCluster, SEEDS} from './harness.js'

async function clusterWithSeed() {
  const c = await localCluster()
  await c.ok('create', join(SEEDS, 'aws-workload-identity.yaml'))
  return {dir: c.dir, tctl: c.ok, run: c.tctl}
}

describe('tctl workload-identity', () => {
  it('issue-x509: openssl and X509Svid.verify accept the SVID against the exported bundle', async () => {
    const {dir, tctl} = await clusterWithSeed()
    const out = join(dir, 'svid')
    assert.match(await tctl('workload-identity', 'issue-x509', '--name-selector', 'example-workload-identity', '--output', out),
      /^Issued X509 SVID spiffe:\/\/example\.teleport\.sh\/svc\/example-service, expires \S+, written to \S+\/svid\n$/)
    await fs.writeFile(join(dir, 'bundle.pem'), await tctl('workload-identity', 'export-bundle', '--format', 'pem'))
    const v = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'bundle.pem'), join(out, 'svid.pem')], {encoding: 'utf8'})
    assert.equal(v.stdout.trim(), `${join(out, 'svid.pem')}: OK`, v.stderr)
    for (const f of ['svid.pem', 'svid_key.pem', 'svid_bundle.pem']) assert.equal(statSync(join(out, f)).mode & 0o777, 0o600)

    const {X509Svid, X509Bundle, BundleSet, TrustDomain} = await import('svidkit')
    const svid = X509Svid.parse(readFileSync(join(out, 'svid.pem')), readFileSync(join(out, 'svid_key.pem')))
    assert.equal(svid.id.toString(), 'spiffe://example.teleport.sh/svc/example-service')
    const bundle = X509Bundle.parse(TrustDomain.parse('example.teleport.sh'), readFileSync(join(dir, 'bundle.pem')))
    const verified = await X509Svid.verify(svid.certificates, new BundleSet([bundle]))
    assert.equal(verified.id.toString(), 'spiffe://example.teleport.sh/svc/example-service')
  })

  it('issue-jwt: PyJWT and JwtSvid.parseAndValidate accept the token against the exported JWKS', async () => {
    const {dir, tctl} = await clusterWithSeed()
    const out = join(dir, 'jwt')
    await tctl('workload-identity', 'issue-jwt', '--name-selector', 'example-workload-identity', '--audience', 'sts.amazonaws.com', '--output', out)
    const token = readFileSync(join(out, 'jwt_svid'), 'utf8')
    assert.doesNotMatch(token, /\n$/)
    const jwks = await tctl('workload-identity', 'export-bundle', '--format', 'jwks')
    const py = spawnSync('/usr/bin/python3', ['-c', `
import json, sys, jwt
jwks = jwt.PyJWKSet.from_dict(json.loads(sys.argv[1]))
kid = jwt.get_unverified_header(sys.argv[2])["kid"]
key = next(k for k in jwks.keys if k.key_id == kid)
claims = jwt.decode(sys.argv[2], key.key, algorithms=["RS256"], audience="sts.amazonaws.com",
                    issuer="https://example.teleport.sh/workload-identity")
print(claims["sub"])`, jwks, token], {encoding: 'utf8'})
    assert.equal(py.status, 0, py.stderr)
    assert.equal(py.stdout.trim(), 'spiffe://example.teleport.sh/svc/example-service')

    const {JwtSvid, JwtBundle, BundleSet, TrustDomain} = await import('svidkit')
    const bundle = JwtBundle.parse(TrustDomain.parse('example.teleport.sh'), jwks)
    const svid = await JwtSvid.parseAndValidate(token, new BundleSet([bundle]), ['sts.amazonaws.com'])
    assert.equal(svid.id.toString(), 'spiffe://example.teleport.sh/svc/example-service')
    await assert.rejects(JwtSvid.parseAndValidate(token, new BundleSet([bundle]), ['other']), /expected audience in \["other"\]/)

    // One audit line per issuance, Teleport's event fields, never the token itself.
    const audit = readFileSync(join(dir, 'data', 'audit.log'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))
    assert.equal(audit.length, 1)
    assert.equal(audit[0].event, 'spiffe.svid.issued')
    assert.equal(audit[0].svid_type, 'jwt')
    assert.equal(audit[0].spiffe_id, 'spiffe://example.teleport.sh/svc/example-service')
    assert.equal(audit[0].workload_identity, 'example-workload-identity')
    assert.match(audit[0].jti, /^[0-9a-f]{32}$/)
    assert.equal(audit[0].user, 'admin')
    const raw = readFileSync(join(dir, 'data', 'audit.log'), 'utf8')
    assert.ok(!raw.includes(token.split('.')[2]!), 'the JWT signature must not be in the audit log')
    assert.doesNotMatch(raw, /PRIVATE KEY/)
  })

  it("the identity's rules still bind the admin: a unix-uid rule refuses, nothing is written", async () => {
    const {dir, tctl, run} = await clusterWithSeed()
    await tctl('create', join(SEEDS, 'overview-workload-identity.yaml'))
    const out = join(dir, 'denied')
    const r = await run('workload-identity', 'issue-x509', '--name-selector', 'payments-processor', '--output', out)
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^ERROR: workload identity failed evaluation: /)
    await assert.rejects(fs.readdir(out).then((f) => (f.length ? f : Promise.reject(new Error('empty')))))
  })

  it('export-oidc writes the discovery document and JWKS matching the tokens\' issuer', async () => {
    const {dir, tctl, run} = await clusterWithSeed()
    const site = join(dir, 'site')
    assert.equal(await tctl('workload-identity', 'export-oidc', '--out', site, '--issuer', 'https://example.teleport.sh/workload-identity'),
      `Wrote ${join(site, '.well-known/openid-configuration')}\nWrote ${join(site, 'jwt-jwks.json')}\n`)
    const discovery = JSON.parse(readFileSync(join(site, '.well-known/openid-configuration'), 'utf8'))
    assert.deepEqual(Object.keys(discovery), ['issuer', 'jwks_uri', 'claims', 'id_token_signing_alg_values_supported', 'response_types_supported', 'subject_types_supported'])
    assert.equal(discovery.issuer, 'https://example.teleport.sh/workload-identity')
    assert.equal(discovery.jwks_uri, 'https://example.teleport.sh/workload-identity/jwt-jwks.json')
    assert.deepEqual(JSON.parse(readFileSync(join(site, 'jwt-jwks.json'), 'utf8')), JSON.parse(await tctl('workload-identity', 'export-bundle', '--format', 'jwks')))
    assert.deepEqual(await run('workload-identity', 'export-oidc', '--out', site, '--issuer', 'https://elsewhere/workload-identity'), {
      code: 1, stdout: '',
      stderr: 'ERROR: --issuer https://elsewhere/workload-identity is not the issuer this cluster signs JWT-SVIDs with (https://example.teleport.sh/workload-identity); ' +
        'set the cluster\'s public address with "tctl init --public-addr HOST" so they match\n',
    })
    // Changing the public address moves the issuer for both the documents and the tokens.
    await tctl('init', '--public-addr', 'elsewhere')
    await tctl('workload-identity', 'export-oidc', '--out', site, '--issuer', 'https://elsewhere/workload-identity')
    await tctl('workload-identity', 'issue-jwt', '--name-selector', 'example-workload-identity', '--audience', 'a', '--output', join(dir, 'j2'))
    const claims = JSON.parse(Buffer.from(readFileSync(join(dir, 'j2/jwt_svid'), 'utf8').split('.')[1]!, 'base64url').toString())
    assert.equal(claims.iss, 'https://elsewhere/workload-identity')
  })
})
