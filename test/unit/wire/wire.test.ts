/**
 * The API's JSON on the wire: what each side sends round-trips, and what a receiver refuses it refuses
 * with a message naming the field (the server's 400s, the client's protection against a bad server).
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseWorkloadAttrs} from '../../../src/lib/wire/attrs.js'
import {encodeBotIdentity, encodeJoinRequest, parseBotIdentity, parseJoinRequest, parseRenewRequest} from '../../../src/lib/wire/bot-identity.js'
import {
  encodeJwtCredentials, encodeJwtRequest, encodeTrustBundle, encodeX509Credentials, encodeX509Request, parseJwtCredentials, parseJwtRequest,
  parseTrustBundle, parseX509Credentials, parseX509Request,
} from '../../../src/lib/wire/issue.js'
import {
  encodeAddBot, encodeUpdateBot, encodeStatus, parseAddBot, parseCreateRequest, parseKind, parseResourceFrom, parseStatus, parseUpdateBot,
} from '../../../src/lib/wire/admin.js'
import {resourcePath} from '../../../src/lib/wire/paths.js'

const bad = (message: string) => ({name: 'InputError', code: 'BAD_PARAMETER', message})

describe('issue requests', () => {
  it('round-trip X.509 and JWT requests with selectors, TTL and workload attributes', () => {
    const x509 = {selector: {labels: {env: ['prod', 'dev']}}, publicKeyDer: Buffer.from([1, 2, 3]), ttlMs: 60_000, workloadAttrs: {unix: {attested: true, uid: 1000, pid: 7}}}
    const wire = JSON.parse(JSON.stringify(encodeX509Request(x509)))
    assert.deepEqual(wire, {selector: {labels: {env: ['prod', 'dev']}}, ttl_ms: 60_000, workload_attrs: {unix: {attested: true, uid: 1000, pid: 7}}, public_key: 'AQID'})
    assert.deepEqual(parseX509Request(wire), {selector: x509.selector, ttlMs: 60_000, workloadAttrs: x509.workloadAttrs, publicKeyDer: Buffer.from([1, 2, 3])})
    const jwt = parseJwtRequest(JSON.parse(JSON.stringify(encodeJwtRequest({selector: {name: 'api'}, audiences: ['a'], ttlMs: 0}))))
    assert.deepEqual(jwt, {selector: {name: 'api'}, ttlMs: 0, workloadAttrs: undefined, audiences: ['a']})
  })

  it('refuses malformed requests, naming the field', () => {
    const base = {selector: {name: 'api'}, audiences: ['a']}
    const cases: [unknown, string][] = [
      [null, 'request body: must be a mapping, got null'],
      [[1], 'request body: must be a mapping, got a list'],
      [{...base, extra: 1}, 'request body: unknown field "extra"'],
      [{audiences: ['a']}, 'request body: selector: is required'],
      [{...base, selector: 'api'}, 'request body: selector: must be a mapping, got a string'],
      [{...base, selector: {}}, "request body: selector: exactly one of 'name' and 'labels' must be set"],
      [{...base, selector: {name: 'a', labels: {x: ['y']}}}, "request body: selector: exactly one of 'name' and 'labels' must be set"],
      [{...base, selector: {name: ''}}, 'request body: selector.name: must not be empty'],
      [{...base, selector: {name: 7}}, 'request body: selector.name: must be a string, got a number'],
      [{...base, selector: {labels: {}}}, 'request body: selector.labels: must map at least one label to a list of values'],
      [{...base, selector: {labels: {env: 'prod'}}}, 'request body: selector.labels.env: must be a list, got a string'],
      [{...base, selector: {labels: {'a/b': [1]}}}, 'request body: selector.labels["a/b"][0]: must be a string, got a number'],
      [{...base, selector: {labels: JSON.parse('{"__proto__": ["x"]}')}}, 'request body: selector.labels: invalid key "__proto__"'],
      [{...base, audiences: 'a'}, 'request body: audiences: must be a list, got a string'],
      [{...base, audiences: [1]}, 'request body: audiences[0]: must be a string, got a number'],
      [{...base, ttl_ms: -1}, 'request body: ttl_ms: must be a non-negative integer, got a number'],
      [{...base, ttl_ms: 1.5}, 'request body: ttl_ms: must be a non-negative integer, got a number'],
      [{...base, workload_attrs: {unix: {uid: '0'}}}, 'request body: workload_attrs.unix.uid: must be a non-negative integer, got a string'],
      [{...base, workload_attrs: {unix: {uid: -1}}}, 'request body: workload_attrs.unix.uid: must be a non-negative integer, got a number'],
      [{...base, workload_attrs: {unix: {attested: 'yes'}}}, 'request body: workload_attrs.unix.attested: must be true or false, got a string'],
      [{...base, workload_attrs: {user: {name: 'root'}}}, 'request body: workload_attrs: unknown field "user"'],
      [{...base, workload_attrs: JSON.parse('{"__proto__": {"x": 1}}')}, 'request body: workload_attrs: unknown field "__proto__"'],
      [{...base, workload_attrs: {kubernetes: {labels: {a: 1}}}}, 'request body: workload_attrs.kubernetes.labels.a: must be a string, got a number'],
      [{...base, workload_attrs: {kubernetes: {labels: []}}}, 'request body: workload_attrs.kubernetes.labels: must be a mapping, got a list'],
    ]
    for (const [body, message] of cases) assert.throws(() => parseJwtRequest(body), bad(message), message)
    assert.throws(() => parseX509Request({selector: {name: 'a'}, public_key: 'a b'}), bad('request body: public_key: must be standard base64'))
    assert.throws(() => parseX509Request({selector: {name: 'a'}}), bad('request body: public_key: is required'))
  })

  it('accepts every attested attribute the schema knows', () => {
    const attrs = {
      unix: {attested: true, pid: 1, uid: 2, gid: 3, binary_path: '/bin/x', binary_hash: 'ab'},
      kubernetes: {attested: true, namespace: 'n', pod_name: 'p', service_account: 's', pod_uid: 'u', labels: {a: 'b'}, container: {name: 'c', image: 'i', image_digest: 'd'}},
      docker: {attested: false, container: {name: 'c', labels: {x: 'y'}}},
      podman: {attested: true, pod: {name: 'p', labels: {}}},
      systemd: {attested: true, service: 'x.service'},
    }
    assert.deepEqual(parseWorkloadAttrs(attrs), attrs)
    assert.equal(parseWorkloadAttrs(undefined), undefined)
  })
})

describe('credentials and the trust bundle', () => {
  const meta = {spiffeId: 'spiffe://td/a', hint: 'h', workloadIdentityName: 'a', expiresAt: new Date('2030-01-01T00:00:00.000Z'), ttlMs: 3_600_000}

  it('round-trip exactly', () => {
    const x509 = [{...meta, certificateDer: new Uint8Array([9, 8]), chainDer: [new Uint8Array([7])], serialNumber: '0a:0b'}]
    const back = parseX509Credentials(JSON.parse(JSON.stringify(encodeX509Credentials(x509))))
    assert.deepEqual(back.map((c) => ({...c, certificateDer: [...c.certificateDer], chainDer: c.chainDer.map((d) => [...d])})),
      [{...meta, certificateDer: [9, 8], chainDer: [[7]], serialNumber: '0a:0b'}])
    const jwt = [{...meta, jwt: 'a.b.c', audiences: ['x']}]
    assert.deepEqual(parseJwtCredentials(JSON.parse(JSON.stringify(encodeJwtCredentials(jwt)))), jwt)
    const bundle = {trustDomain: 'td', x509Pem: 'PEM', jwtKeys: [{kty: 'RSA', kid: 'k', n: 'n', e: 'AQAB'}], federated: [], fingerprint: 'f'}
    assert.deepEqual(parseTrustBundle(JSON.parse(JSON.stringify(encodeTrustBundle(bundle)))), bundle)
  })

  it('refuses a server answer that is not what was asked for', () => {
    assert.throws(() => parseX509Credentials({credentials: [{spiffe_id: 'x'}]}), bad('response body: credentials[0].hint: is required'))
    assert.throws(() => parseJwtCredentials({credentials: 'x'}), bad('response body: credentials: must be a list, got a string'))
    assert.throws(() => parseTrustBundle({trust_domain: 'td', x509_pem: '', jwt_keys: [{kid: 1}], federated: [], fingerprint: ''}),
      bad('response body: jwt_keys[0]: must be a JWK with kid and kty'))
    const m = {spiffe_id: 'x', hint: '', workload_identity_name: 'w', ttl_ms: 1, jwt: 'j', audiences: []}
    assert.throws(() => parseJwtCredentials({credentials: [{...m, expires_at: 'soon'}]}), bad('response body: credentials[0].expires_at: must be an RFC 3339 time'))
  })
})

describe('joining and renewing', () => {
  it('round-trip the join request and the identity answer', () => {
    const req = parseJoinRequest(JSON.parse(JSON.stringify(encodeJoinRequest({token: 't', publicKeyDer: Buffer.from('k'), ttlMs: 5}))))
    assert.deepEqual(req, {token: 't', publicKeyDer: Buffer.from('k'), ttlMs: 5})
    const id = {certDer: Buffer.from('c'), caDers: [Buffer.from('a')], botName: 'b', roles: ['r'], expiresAt: new Date('2030-01-01T00:00:00.000Z')}
    assert.deepEqual(parseBotIdentity(JSON.parse(JSON.stringify(encodeBotIdentity(id)))), id)
  })

  it('refuses bodies that would waste a token', () => {
    assert.throws(() => parseJoinRequest({token: '', public_key: 'AA==', ttl_ms: 1}), bad('request body: token: must be a join token'))
    assert.throws(() => parseJoinRequest({token: 'x'.repeat(1025), public_key: 'AA==', ttl_ms: 1}), bad('request body: token: must be a join token'))
    assert.throws(() => parseJoinRequest({token: 't', public_key: 'AA==', ttl_ms: 0}), bad('request body: ttl_ms: must be positive'))
    assert.throws(() => parseJoinRequest({token: 't', public_key: 'AA=='}), bad('request body: ttl_ms: is required'))
    assert.throws(() => parseRenewRequest({public_key: 'AA==', ttl_ms: 1, token: 't'}), bad('request body: unknown field "token"'))
  })
})

describe('admin requests', () => {
  it('round-trip bot requests and the status', () => {
    assert.deepEqual(parseAddBot(JSON.parse(JSON.stringify(encodeAddBot({name: 'b', roles: ['r'], tokenTtlMs: 60_000})))),
      {name: 'b', roles: ['r'], logins: [], tokenTtlMs: 60_000})
    assert.deepEqual(parseUpdateBot('b', encodeUpdateBot({name: 'b', setRoles: [], addLogins: ['root']})), {name: 'b', setRoles: [], addLogins: ['root']})
    assert.deepEqual(parseUpdateBot('b', undefined), {name: 'b'})
    const status = {clusterName: 'td', version: '1.0.0', caPins: ['sha256:00'], counts: {workload_identity: 1, role: 2, bot: 3, token: 4, spiffe_federation: 0}}
    assert.deepEqual(parseStatus(JSON.parse(JSON.stringify(encodeStatus(status)))), status)
  })

  it('parses resources with the same parsers and messages as tctl create, keeping the stored revision', () => {
    assert.throws(() => parseCreateRequest({resources: [{kind: 'cluster'}]}), {
      name: 'InputError', code: 'BAD_PARAMETER', message: 'document 1: kind: creating resources of type "cluster" is not supported',
    })
    const wi = {kind: 'workload_identity', version: 'v1', metadata: {name: 'w', revision: 'r1'}, spec: {spiffe: {id: '/w'}}}
    assert.equal(parseCreateRequest({resources: [wi]}).resources[0]!.metadata.revision, undefined)
    assert.equal(parseResourceFrom(wi, 'x').metadata.revision, 'r1')
    assert.throws(() => parseKind('cluster'), {name: 'BadParameterError', message: 'unsupported resource kind "cluster"'})
    assert.equal(resourcePath('bot', 'a/b c'), '/v1/resources/bot/a%2Fb%20c')
  })
})
