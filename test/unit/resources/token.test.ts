import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/lib/errors.js'
import {parseResourceValue, parseResources} from '../../../src/lib/resources/parse.js'
import {MAX_JOIN_TOKEN_TTL_MS, joinTokenTtlProblem, parseProvisionToken} from '../../../src/lib/resources/token.js'
import type {ProvisionToken} from '../../../src/lib/resources/types.js'

const LOC = {file: 'token.yaml', document: 1}
const token = (spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({kind: 'token', version: 'v2', metadata: {name: 'secret-token'}, spec, ...extra})
const parse = (value: unknown): ProvisionToken => parseResourceValue(value, LOC) as ProvisionToken

function errorFor(value: unknown): InputError {
  try {
    parse(value)
  } catch (err) {
    assert.ok(err instanceof InputError)
    return err
  }
  return assert.fail('expected an InputError')
}

describe('token: the delegated join methods', () => {
  it('keeps each section with Teleport defaults (gitlab.com, in_cluster)', () => {
    const gl = parse(token({roles: ['Bot'], bot_name: 'ci', join_method: 'gitlab', gitlab: {allow: [{project_path: 'grp/*', ref_protected: true}]}}))
    assert.deepEqual(gl.spec.gitlab, {domain: 'gitlab.com', allow: [{project_path: 'grp/*', ref_protected: true}]})
    const k = parse(token({roles: ['Bot'], bot_name: 'ci', join_method: 'kubernetes', kubernetes: {allow: [{service_account: 'ns:sa'}]}}))
    assert.deepEqual(k.spec.kubernetes, {type: 'in_cluster', allow: [{service_account: 'ns:sa'}]})
    const gh = parse(token({roles: ['Bot'], bot_name: 'ci', join_method: 'github', github: {allow: [{repository: 'org/app', ref: 'refs/heads/main'}]}}))
    assert.equal(gh.spec.join_method, 'github')
    assert.deepEqual(gh.spec.github, {allow: [{repository: 'org/app', ref: 'refs/heads/main'}]})
  })
})

describe('token: invalid documents (Teleport messages)', () => {
  const cases: Array<[string, unknown, string, string | undefined]> = [
    ['version v1', token({}, {version: 'v1'}), 'only "v2" is supported', 'version'],
    ['version missing', token({}, {version: undefined}), 'only "v2" is supported', 'version'],
    ['metadata.name missing', token({}, {metadata: {}}), 'is required', 'metadata.name'],
    ['spec missing', token(undefined), 'is required', 'spec'],
    ['roles missing', token({bot_name: 'ci'}), 'provisioning token is missing roles', 'spec.roles'],
    ['roles empty', token({roles: [], bot_name: 'ci'}), 'provisioning token is missing roles', 'spec.roles'],
    ['roles a string', token({roles: 'Bot', bot_name: 'ci'}), 'must be a list, got a string', 'spec.roles'],
    ['Bot without bot_name', token({roles: ['Bot']}), 'token with role "Bot" must set bot_name', 'spec.bot_name'],
    ['Bot with empty bot_name', token({roles: ['Bot'], bot_name: ''}), 'token with role "Bot" must set bot_name', 'spec.bot_name'],
    ['bot_name without Bot', token({roles: ['Node'], bot_name: 'ci'}), 'can only set bot_name on token with role "Bot"', 'spec.bot_name'],
    ['another role', token({roles: ['Node']}), 'role "Node" is not supported, only "Bot"', 'spec.roles[0]'],
    ['Bot plus another role', token({roles: ['Bot', 'Proxy'], bot_name: 'ci'}), 'role "Proxy" is not supported, only "Bot"', 'spec.roles[1]'],
    ['bot_name with a slash', token({roles: ['Bot'], bot_name: 'a/b'}), 'must not contain "/"', 'spec.bot_name'],
    ['bot_name a number', token({roles: ['Bot'], bot_name: 7}), 'must be a string, got a number', 'spec.bot_name'],
    ['join method iam', token({roles: ['Bot'], bot_name: 'ci', join_method: 'iam'}), 'join method "iam" is not supported', 'spec.join_method'],
    ['join method with its own section', token({roles: ['Bot'], bot_name: 'ci', join_method: 'circleci', circleci: {allow: [{project_id: 'p'}]}}),
      'join method "circleci" is not supported', 'spec.join_method'],
    ['kubernetes without its section', token({roles: ['Bot'], bot_name: 'ci', join_method: 'kubernetes'}),
      'the "kubernetes" join method requires the "kubernetes" section', 'spec.kubernetes'],
    ['kubernetes without allow rules', token({roles: ['Bot'], bot_name: 'ci', join_method: 'kubernetes', kubernetes: {type: 'static_jwks'}}),
      'allow: at least one rule must be set', 'spec.kubernetes.allow'],
    ['kubernetes service account not namespace:name', token({roles: ['Bot'], bot_name: 'ci', join_method: 'kubernetes', kubernetes: {allow: [{service_account: 'x'}]}}),
      'allow[0].service_account: name of service account should be in format "namespace:service_account", got "x" instead', 'spec.kubernetes.allow[0]'],
    ['kubernetes static_jwks without jwks', token({roles: ['Bot'], bot_name: 'ci', join_method: 'kubernetes', kubernetes: {type: 'static_jwks', allow: [{service_account: 'a:b'}]}}),
      'static_jwks: must be set when type is "static_jwks"', 'spec.kubernetes.static_jwks'],
    ['kubernetes unknown type', token({roles: ['Bot'], bot_name: 'ci', join_method: 'kubernetes', kubernetes: {type: 'magic', allow: [{service_account: 'a:b'}]}}),
      'type: must be one of (in_cluster, static_jwks, oidc), got "magic"', 'spec.kubernetes.type'],
    ['github rule without repository, owner or sub', token({roles: ['Bot'], bot_name: 'ci', join_method: 'github', github: {allow: [{ref: 'refs/heads/main'}]}}),
      'allow rule for "github" must include at least one of "repository", "repository_owner" or "sub"', 'spec.github.allow[0]'],
    ['github host with a scheme', token({roles: ['Bot'], bot_name: 'ci', join_method: 'github', github: {enterprise_server_host: 'https://ghe', allow: [{repository: 'a/b'}]}}),
      "'spec.github.enterprise_server_host' should not contain the scheme or path", 'spec.github.enterprise_server_host'],
    ['gitlab rule too broad', token({roles: ['Bot'], bot_name: 'ci', join_method: 'gitlab', gitlab: {allow: [{ref: 'main'}]}}),
      "the \"gitlab\" join method requires allow rules with at least one of ['sub', 'project_path', 'namespace_path', 'ci_config_ref_uri'] to ensure security.", 'spec.gitlab.allow[0]'],
    ['a section for another method', token({roles: ['Bot'], bot_name: 'ci', join_method: 'gitlab', github: {allow: [{repository: 'a/b'}]}}),
      'unknown field "github"', 'spec'],
    ['join method a list', token({roles: ['Bot'], bot_name: 'ci', join_method: ['token']}), 'must be a string, got a list', 'spec.join_method'],
    ['allow rules with the token method', token({roles: ['Bot'], bot_name: 'ci', join_method: 'token', allow: [{aws_account: '1'}]}),
      'allow rules are not compatible with the "token" join method', 'spec.allow'],
    ['allow rules without a join method', token({roles: ['Bot'], bot_name: 'ci', allow: [{aws_account: '1'}]}),
      'join method "ec2" is not supported (it is the default when allow rules are set)', 'spec.join_method'],
    ['unknown spec field', token({roles: ['Bot'], bot_name: 'ci', suggested_labels: {}}), 'unknown field "suggested_labels"', 'spec'],
    ['unknown top-level field', token({roles: ['Bot'], bot_name: 'ci'}, {status: {}}), 'unknown field "status"', undefined],
    ['bad expiry', token({roles: ['Bot'], bot_name: 'ci'}, {metadata: {name: 't', expires: 'soon'}}),
      'must be an RFC 3339 time such as "2030-01-01T00:00:00Z", got "soon"', 'metadata.expires'],
  ]
  for (const [name, value, reason, field] of cases) {
    it(name, () => {
      const err = errorFor(value)
      assert.equal(err.reason, reason)
      assert.deepEqual(err.location, {...LOC, ...(field === undefined ? {} : {field})})
    })
  }

  it('calling the kind parser with another kind is refused', () => {
    assert.throws(() => parseProvisionToken(token({}, {kind: 'bot'}), LOC), {message: 'token.yaml: document 1: kind: must be "token"'})
  })
})

describe('token: valid documents', () => {
  it('a bot token with the token join method, expiry normalised to UTC', () => {
    const [parsed] = parseResources([
      'kind: token', 'version: v2', 'metadata:', '  name: 0f3a1b2c', '  expires: 2030-01-01T10:00:00+02:00',
      'spec:', '  bot_name: ci', '  join_method: token', '  roles: [Bot]',
    ].join('\n'), 'token.yaml')
    assert.deepEqual(parsed, {
      kind: 'token', version: 'v2', metadata: {name: '0f3a1b2c', expires: '2030-01-01T08:00:00Z'},
      spec: {roles: ['Bot'], join_method: 'token', bot_name: 'ci'},
    })
    assert.deepEqual(Object.keys((parsed as ProvisionToken).spec), ['roles', 'join_method', 'bot_name'])
  })

  it('an unset join method is token; role names are normalised as Teleport does', () => {
    assert.deepEqual(parse(token({roles: ['bot'], bot_name: 'ci'})).spec, {roles: ['Bot'], join_method: 'token', bot_name: 'ci'})
  })
})

describe('token: the lifetime a new join token may have', () => {
  const cases: Array<[number, string | undefined]> = [
    [0, 'must be positive, got 0s'],
    [-5 * 60_000, 'must be positive, got -5m0s'],
    [Number.NaN, 'must be a finite duration, got NaN'],
    [Number.POSITIVE_INFINITY, 'must be a finite duration, got Infinity'],
    [1_000_000 * 3_600_000, '1000000h0m0s exceeds the maximum TTL allowed (48h0m0s)'],
    [MAX_JOIN_TOKEN_TTL_MS + 1, '48h0m0.001s exceeds the maximum TTL allowed (48h0m0s)'],
    [MAX_JOIN_TOKEN_TTL_MS, undefined],
    [1, undefined],
    [30 * 60_000, undefined],
  ]
  for (const [ttlMs, problem] of cases) {
    it(`${ttlMs} ms: ${problem ?? 'accepted'}`, () => assert.equal(joinTokenTtlProblem(ttlMs), problem))
  }
})
