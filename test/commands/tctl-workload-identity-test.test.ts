/**
 * `tctl workload-identity ls`, `rm` and `test`: Teleport's listing and deletion lines, and the
 * explained decision (RFD 191) for an allowed and a refused case, with a template and a join
 * attribute, in text and JSON, exit 0 and 1.
 */
import assert from 'node:assert/strict'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {localCluster} from './harness.js'

const GH_DEPLOY = `kind: workload_identity
version: v1
metadata:
  name: gh-deploy
spec:
  rules:
    allow:
      - conditions:
          - attribute: workload.unix.uid
            eq:
              value: 42
      - conditions:
          - attribute: join.github.repository
            eq:
              value: acme/app
          - attribute: user.bot_name
            in:
              values: [ci, deploy]
  spiffe:
    id: /gh/{{ join.github.repository }}/{{ user.bot_name }}
    x509:
      dns_sans: ["{{ user.bot_name }}.svc.example.com"]
    jwt:
      extra_claims:
        repo: "{{ join.github.repository }}"
`

async function cluster() {
  const c = await localCluster()
  const file = (name: string, text: string) => fs.writeFile(join(c.dir, name), text).then(() => join(c.dir, name))
  return {...c, file}
}

describe('tctl workload-identity ls and rm', () => {
  it('lists as Teleport does, deletes with its line', async () => {
    const c = await cluster()
    assert.deepEqual(await c.tctl('workload-identity', 'ls'), {code: 0, stdout: 'No workload identities configured\n', stderr: ''})
    await c.ok('create', await c.file('wi.yaml', GH_DEPLOY))
    assert.equal(await c.ok('workload-identity', 'ls'),
      'Name      SPIFFE ID\n--------- ----------------------------------------------------\n' +
      'gh-deploy /gh/{{ join.github.repository }}/{{ user.bot_name }}\n\n')
    const json = JSON.parse(await c.ok('workload-identity', 'ls', '--format', 'json')) as Array<{metadata: {name: string}}>
    assert.deepEqual(json.map((wi) => wi.metadata.name), ['gh-deploy'])
    assert.deepEqual(await c.tctl('workload-identity', 'rm', 'gh-deploy'),
      {code: 0, stdout: 'Workload Identity "gh-deploy" deleted successfully.\n', stderr: ''})
    const again = await c.tctl('workload-identity', 'rm', 'gh-deploy')
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^ERROR: .*gh-deploy.*not found/i)
  })
})

describe('tctl workload-identity test', () => {
  it('explains an allowed case: each condition with its value, the rendered SPIFFE ID, DNS SANs and JWT claims', async () => {
    const c = await cluster()
    await c.ok('create', await c.file('wi.yaml', GH_DEPLOY))
    // Nested and dotted keys mix; join.* is read from the schema like any other attribute.
    const attrs = await c.file('attrs.yaml', 'user:\n  bot_name: deploy\njoin.github.repository: acme/app\nworkload.unix.uid: 1000\n')
    const r = await c.tctl('workload-identity', 'test', 'gh-deploy', '--attributes-file', attrs)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, [
      'Workload identity "gh-deploy": an SVID would be issued',
      'Rules (the first rule that passes allows; a rule passes when all its conditions hold):',
      '  rule 1: FAIL',
      '    workload.unix.uid eq "42": value "1000": FAIL',
      '  rule 2: PASS',
      '    join.github.repository eq "acme/app": value "acme/app": PASS',
      '    user.bot_name in ["ci", "deploy"]: value "deploy": PASS',
      'SPIFFE ID: spiffe://example.teleport.sh/gh/acme/app/deploy',
      'DNS SANs: deploy.svc.example.com',
      'JWT claims (besides aud, iss, iat, exp, jti): {"repo":"acme/app","sub":"spiffe://example.teleport.sh/gh/acme/app/deploy"}',
      '',
    ].join('\n'))
  })

  it('explains a refusal with the exact reason issuance gives, exit 1, and the JSON shape', async () => {
    const c = await cluster()
    const wi = await c.file('wi.yaml', GH_DEPLOY)
    const attrs = await c.file('attrs.json', JSON.stringify({user: {bot_name: 'deploy'}, join: {github: {repository: 'evil/app'}}}))
    const r = await c.tctl('workload-identity', 'test', '--workload-identity-file', wi, '--attributes-file', attrs)
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^Workload identity "gh-deploy": no SVID would be issued\n/)
    assert.match(r.stdout, /    join\.github\.repository eq "acme\/app": value "evil\/app": FAIL\n/)
    assert.match(r.stdout, /\nRefused: workload identity failed evaluation: attributes did not pass rule evaluation: no matching rule found\n$/)

    const j = await c.tctl('workload-identity', 'test', '--workload-identity-file', wi, '--attributes-file', attrs, '--format', 'json')
    assert.equal(j.code, 1)
    const out = JSON.parse(j.stdout) as {issued: boolean; spiffe_id?: string; reason: string; rules: Array<{passed: boolean; conditions: Array<{value: string; passed: boolean}>}>}
    assert.equal(out.issued, false)
    assert.equal(out.spiffe_id, undefined)
    assert.equal(out.reason, 'workload identity failed evaluation: attributes did not pass rule evaluation: no matching rule found')
    assert.deepEqual(out.rules.map((rule) => rule.passed), [false, false])
    assert.deepEqual(out.rules[1]!.conditions.map((x) => [x.value, x.passed]), [['evil/app', false], ['deploy', true]])
  })

  it('refuses a template over an unset attribute or rendering an invalid DNS name; names a mistyped attribute in the file', async () => {
    const c = await cluster()
    const wi = await c.file('wi.yaml', GH_DEPLOY)
    const unset = await c.file('unset.yaml', 'user.bot_name: deploy\nworkload.unix.uid: 42\n')
    const u = await c.tctl('workload-identity', 'test', '--workload-identity-file', wi, '--attributes-file', unset, '--format', 'json')
    assert.equal(u.code, 1)
    assert.equal((JSON.parse(u.stdout) as {reason: string}).reason,
      'workload identity failed evaluation: templating spec.spiffe.id: evaluating expression:  join.github.repository : join is unset')
    const attrs = await c.file('attrs.yaml', 'user.bot_name: Not_A_Host\nworkload.unix.uid: 42\njoin.github.repository: acme/app\n')
    const r = await c.tctl('workload-identity', 'test', '--workload-identity-file', wi, '--attributes-file', attrs, '--format', 'json')
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.stdout) as {reason: string}).reason,
      'workload identity failed evaluation: templating spec.spiffe.x509.dns_sans[0] resulted in an invalid DNS name "Not_A_Host.svc.example.com"')
    const typo = await c.file('typo.yaml', 'workload:\n  unix:\n    uidd: 3\n')
    const t = await c.tctl('workload-identity', 'test', '--workload-identity-file', wi, '--attributes-file', typo)
    assert.deepEqual(t, {code: 1, stdout: '', stderr: `ERROR: ${typo}: attribute "workload.unix.uidd" not found\n`})
    const neither = await c.tctl('workload-identity', 'test', '--attributes-file', typo)
    assert.equal(neither.code, 2)
  })
})
