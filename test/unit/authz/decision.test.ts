import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {AccessDeniedError, BadParameterError, SvidkitError} from '../../../src/lib/errors.js'
import {decideIssuance, MAX_IDENTITIES_PER_REQUEST, selectByLabels, type DecideIssuanceInput} from '../../../src/lib/authz/decision.js'
import {isValidHostname} from '../../../src/lib/authz/evaluation.js'
import {DEFAULT_MAX_TTL_MS, maxTtlsMs, parseProtoDurationMs} from '../../../src/lib/authz/ttl.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import type {WorkloadIdentity} from '../../../src/lib/resources/types.js'
import {botAttrs, issuerRole, role, wi} from './fixtures.js'

const td = TrustDomain.parse('example.teleport.sh')
const decide = (over: Partial<DecideIssuanceInput> & {wi: WorkloadIdentity}) =>
  decideIssuance({roles: [issuerRole()], attrs: botAttrs, trustDomain: td, ...over})

function refused(fn: () => unknown, type: typeof AccessDeniedError | typeof BadParameterError, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`)
    assert.equal((err as SvidkitError).message, message)
    return true
  })
}

describe('decideIssuance', () => {
  const full = wi('web', {
    spiffe: {
      id: '/k8s/{{workload.kubernetes.namespace}}/{{workload.kubernetes.service_account}}',
      hint: 'bot {{user.bot_name}}',
      x509: {
        dns_sans: ['{{workload.kubernetes.service_account}}.svc.cluster.local', 'example.com'],
        subject_template: {common_name: '{{user.name}}', organization: 'Acme', organizational_unit: ''},
        maximum_ttl: '3600s',
      },
      jwt: {extra_claims: {repo: '{{join.github.repository}}', n: 1}, maximum_ttl: '300s'},
    },
    rules: {allow: [{conditions: [{attribute: 'workload.kubernetes.namespace', eq: {value: 'default'}}]}]},
  }, {env: 'prod'})

  it('renders the whole identity', () => {
    const d = decide({wi: full})
    assert.deepEqual(d.workloadIdentity, {name: 'web', revision: 'rev-web'})
    assert.equal(d.spiffeId.toString(), 'spiffe://example.teleport.sh/k8s/default/web')
    assert.equal(d.hint, 'bot robot')
    assert.deepEqual(d.dnsSans, ['web.svc.cluster.local', 'example.com'])
    assert.deepEqual(d.subject, {commonName: 'bot-robot', organization: 'Acme'})
    assert.deepEqual(d.extraClaims, {repo: 'org/app', n: 1})
    assert.equal(d.x509MaxTtlMs, 3_600_000)
    assert.equal(d.jwtMaxTtlMs, 300_000)
  })

  it('a minimal identity gets the defaults', () => {
    const d = decide({wi: wi('min')})
    assert.equal(d.spiffeId.toString(), 'spiffe://example.teleport.sh/svc/min')
    assert.equal(d.hint, '')
    assert.deepEqual(d.dnsSans, [])
    assert.deepEqual(d.subject, {})
    assert.deepEqual(d.extraClaims, {})
    assert.equal(d.x509MaxTtlMs, DEFAULT_MAX_TTL_MS)
    assert.equal(d.jwtMaxTtlMs, DEFAULT_MAX_TTL_MS)
    assert.equal(DEFAULT_MAX_TTL_MS, 86_400_000)
  })

  it('refuses without rule access (issue-by-name needs read)', () => {
    refused(() => decide({wi: full, roles: [role('labels', {workload_identity_labels: {'*': ['*']}})]}), AccessDeniedError,
      'access denied to perform action "read" on "workload_identity"')
  })

  it('can require read and list', () => {
    const readOnly = role('r', {workload_identity_labels: {'*': ['*']}, rules: [{resources: ['workload_identity'], verbs: ['read']}]})
    assert.equal(decide({wi: full, roles: [readOnly]}).hint, 'bot robot')
    refused(() => decide({wi: full, roles: [readOnly], verbs: ['read', 'list']}), AccessDeniedError,
      'access denied to perform action "list" on "workload_identity"')
  })

  it('refuses when the labels are not granted', () => {
    refused(() => decide({wi: full, roles: [issuerRole({env: ['dev']})]}), AccessDeniedError,
      'access to workload_identity denied. User does not have permissions. ')
  })

  it('refuses when a deny role matches the labels', () => {
    refused(() => decide({wi: full, roles: [issuerRole(), role('d', {}, {workload_identity_labels: {env: ['prod']}})]}), AccessDeniedError,
      'access to workload_identity denied. User does not have permissions. ')
  })

  it('sameRole requires one role to grant rules and labels', () => {
    const roles = [role('rules', {rules: [{resources: ['workload_identity'], verbs: ['read']}]}), role('labels', {workload_identity_labels: {'*': ['*']}})]
    assert.equal(decide({wi: full, roles}).hint, 'bot robot')
    refused(() => decide({wi: full, roles, sameRole: true}), AccessDeniedError, 'access to workload_identity denied. User does not have permissions. ')
  })

  it('refuses when no rule matches, with Teleport\'s wrapped message', () => {
    refused(() => decide({wi: full, attrs: {...botAttrs, workload: {kubernetes: {attested: true, namespace: 'other'}}}}), AccessDeniedError,
      'workload identity failed evaluation: attributes did not pass rule evaluation: no matching rule found')
  })

  it('an unknown attribute in a rule is a BadParameter refusal', () => {
    const bad = wi('bad', {rules: {allow: [{conditions: [{attribute: 'workload.k8s.ns', eq: {value: 'x'}}]}]}})
    refused(() => decide({wi: bad}), BadParameterError,
      'workload identity failed evaluation: attributes did not pass rule evaluation: attribute "k8s" not found')
  })

  const templateErrors: Array<[string, WorkloadIdentity, string]> = [
    ['unset attribute in the id', wi('t', {spiffe: {id: '/{{workload.docker.container.image_digest}}/{{join.oracle.tenancy_id}}'}}),
      'workload identity failed evaluation: templating spec.spiffe.id: evaluating expression: join.oracle.tenancy_id: join.oracle is unset'],
    ['unknown attribute in the hint', wi('t', {spiffe: {hint: '{{user.nope}}'}}),
      'workload identity failed evaluation: templating spec.spiffe.hint: parsing expression [2:11]: user.nope: parsing expression: unknown identifier: "user.nope"'],
    ['DNS SAN that is not a DNS name', wi('t', {spiffe: {x509: {dns_sans: ['ok.example', '{{user.name}}.Example.com']}}}),
      'workload identity failed evaluation: templating spec.spiffe.x509.dns_sans[1] resulted in an invalid DNS name "bot-robot.Example.com"'],
    ['DNS SAN template error', wi('t', {spiffe: {x509: {dns_sans: ['{{user.traits.groups}}']}}}),
      'workload identity failed evaluation: templating spec.spiffe.x509.dns_sans[0]: evaluating expression: user.traits.groups: getting value from dynamic map: trait `groups` has multiple values (a, b), only single-value traits may be used in a template'],
    ['subject field', wi('t', {spiffe: {x509: {subject_template: {organizational_unit: '{{user.labels.nope}}'}}}}),
      'workload identity failed evaluation: templating spec.spiffe.x509.subject_template.organizational_unit: evaluating expression: user.labels.nope: getting value from dynamic map: no value for key: "nope"'],
    ['extra claims', wi('t', {spiffe: {jwt: {extra_claims: {a: {b: '{{user.labels.nope}}'}}}}}),
      'workload identity failed evaluation: templating spec.spiffe.jwt.extra_claims: templating claim: a.b: evaluating expression: user.labels.nope: getting value from dynamic map: no value for key: "nope"'],
  ]
  for (const [name, identity, message] of templateErrors) it(`refuses: ${name}`, () => refused(() => decide({wi: identity}), BadParameterError, message))

  const idErrors: Array<[string, string]> = [
    ['/a/{{user.name}}/', 'parsing SPIFFE ID: path cannot have a trailing slash'],
    ['/a b', 'parsing SPIFFE ID: path segment characters are limited to letters, numbers, dots, dashes, and underscores'],
    ['/x/{{workload.unix.binary_path}}', 'parsing SPIFFE ID: path cannot contain empty segments'],
    ['/a/../b', 'parsing SPIFFE ID: path cannot contain dot segments'],
  ]
  for (const [id, message] of idErrors) {
    it(`refuses the SPIFFE ID of ${JSON.stringify(id)}`, () => refused(() => decide({wi: wi('t', {spiffe: {id}})}), BadParameterError, message))
  }

  it('a value holding slashes renders several path segments', () => {
    assert.equal(decide({wi: wi('t', {spiffe: {id: '/{{join.github.repository}}/x'}})}).spiffeId.path, '/org/app/x')
  })

  it('the rule check runs before the templates', () => {
    const both = wi('t', {spiffe: {id: '/{{user.nope}}'}, rules: {allow: [{expression: 'user.name == "nobody"'}]}})
    refused(() => decide({wi: both}), AccessDeniedError, 'workload identity failed evaluation: attributes did not pass rule evaluation: no matching rule found')
  })
})

describe('TTL caps', () => {
  const cases: Array<[string | undefined, string | undefined, number, number]> = [
    [undefined, undefined, 86_400_000, 86_400_000],
    ['3600s', '300s', 3_600_000, 300_000],
    ['0s', '0s', 86_400_000, 86_400_000],
    ['1209600s', '86400s', 1_209_600_000, 86_400_000],
    ['1.5s', '0.001s', 1_500, 1],
  ]
  for (const [x509, jwt, x509Ms, jwtMs] of cases) {
    it(`x509 ${x509 ?? 'unset'}, jwt ${jwt ?? 'unset'}`, () => {
      const identity = wi('t', {spiffe: {
        ...(x509 !== undefined ? {x509: {maximum_ttl: x509}} : {}),
        ...(jwt !== undefined ? {jwt: {maximum_ttl: jwt}} : {}),
      }})
      assert.deepEqual(maxTtlsMs(identity), {x509MaxTtlMs: x509Ms, jwtMaxTtlMs: jwtMs})
    })
  }
  it('refuses a malformed duration', () => assert.throws(() => parseProtoDurationMs('1h'), BadParameterError))
})

describe('isValidHostname (Teleport: each label a DNS-1035 label)', () => {
  const cases: Array<[string, boolean]> = [
    ['example.com', true], ['a-b.c', true], ['web.svc.cluster.local', true],
    ['', false], ['Example.com', false], ['1.example.com', false], ['*.example.com', false], ['a..b', false],
    ['-a.com', false], ['a-.com', false], ['a_b.com', false], ['example.com.', false], [`${'a'.repeat(63)}.com`, true], [`${'a'.repeat(64)}.com`, false],
  ]
  for (const [name, ok] of cases) it(`${JSON.stringify(name)} → ${ok}`, () => assert.equal(isValidHostname(name), ok))
})

describe('selectByLabels', () => {
  const identities = [
    wi('c-prod', {}, {env: 'prod', app: 'c'}),
    wi('a-prod', {}, {env: 'prod', app: 'a'}),
    wi('b-dev', {}, {env: 'dev', app: 'b'}),
    wi('d-prod-ruled', {rules: {allow: [{expression: 'user.name == "nobody"'}]}}, {env: 'prod', app: 'd'}),
    wi('e-prod-broken', {spiffe: {id: '/{{user.nope}}'}}, {env: 'prod', app: 'e'}),
    wi('f-secret', {}, {env: 'prod', app: 'f', secret: 'yes'}),
  ]
  const roles = [issuerRole(), role('no-secrets', {}, {workload_identity_labels: {secret: ['*']}})]
  const select = (selectors: Record<string, readonly string[]>, r = roles, wis = identities) => selectByLabels(wis, selectors, r, botAttrs, td)

  it('keeps what matches, is permitted and passes, sorted by name; skips the rest silently', () => {
    assert.deepEqual(select({env: ['prod']}).map((d) => d.workloadIdentity.name), ['a-prod', 'c-prod'])
  })

  it('selectors use the same matcher (globs, regexes, *)', () => {
    assert.deepEqual(select({app: ['^[ab]$']}).map((d) => d.workloadIdentity.name), ['a-prod', 'b-dev'])
    assert.deepEqual(select({'*': ['*']}).map((d) => d.workloadIdentity.name), ['a-prod', 'b-dev', 'c-prod'])
    assert.deepEqual(select({env: ['nope']}), [])
  })

  it('needs read and list', () => {
    const readOnly = [role('r', {workload_identity_labels: {'*': ['*']}, rules: [{resources: ['workload_identity'], verbs: ['read']}]})]
    refused(() => select({env: ['prod']}, readOnly), AccessDeniedError, 'access denied to perform action "list" on "workload_identity"')
  })

  it('needs at least one selector', () => {
    refused(() => select({}), BadParameterError, 'label_selectors: at least one label selector must be specified')
  })

  it('a role with a broken regex permits nothing (skipped, not an error)', () => {
    const broken = [issuerRole({env: ['^(prod$']})]
    assert.deepEqual(select({env: ['prod']}, broken), [])
  })

  it('a broken selector regex is an error', () => {
    refused(() => select({env: ['^(prod$']}), BadParameterError, 'error parsing regexp: missing closing ): `^(prod$`')
  })

  it(`refuses more than ${MAX_IDENTITIES_PER_REQUEST}`, () => {
    const many = Array.from({length: 11}, (_, i) => wi(`w${String(i).padStart(2, '0')}`, {}, {env: 'prod'}))
    assert.equal(select({env: ['prod']}, roles, many.slice(0, 10)).length, 10)
    refused(() => select({env: ['prod']}, roles, many), BadParameterError,
      'number of identities that would be issued exceeds maximum permitted (max = 10), use more specific labels')
  })

  it('identities failing evaluation do not count towards the limit', () => {
    const many = Array.from({length: 10}, (_, i) => wi(`w${i}`, {}, {env: 'prod'}))
    const failing = Array.from({length: 5}, (_, i) => wi(`z${i}`, {rules: {allow: [{expression: 'user.name == "x"'}]}}, {env: 'prod'}))
    assert.equal(select({env: ['prod']}, roles, [...many, ...failing]).length, 10)
  })

  it('a rendered SPIFFE ID that does not parse fails the whole request, naming the identity', () => {
    const bad = wi('bad', {spiffe: {id: '/x/'}}, {env: 'prod'})
    refused(() => select({env: ['prod']}, roles, [bad]), BadParameterError, 'workload identity "bad": parsing SPIFFE ID: path cannot have a trailing slash')
  })
})
