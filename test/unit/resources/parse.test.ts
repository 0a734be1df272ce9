import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'
import {InputError} from '../../../src/lib/errors.js'
import {parseResource, parseResourceValue, parseResources} from '../../../src/lib/resources/parse.js'
import type {Resource} from '../../../src/lib/resources/types.js'

/** test/fixtures/resources, found from either the .ts source or the compiled dist/ copy. */
function fixturesDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'test', 'fixtures', 'resources')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) throw new Error('test/fixtures/resources not found')
  }
}
const FIXTURES = fixturesDir()
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')
const parseFixture = (name: string): Resource[] => parseResources(fixture(name), name)

function inputError(fn: () => unknown): InputError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`)
    return err
  }
  return assert.fail('expected an InputError')
}

describe('the seed documents parse', () => {
  it('workload-identity overview: workload-identity.yaml', () => {
    assert.deepEqual(parseFixture('overview-workload-identity.yaml'), [{
      kind: 'workload_identity', version: 'v1',
      metadata: {name: 'payments-processor', labels: {team: 'payments', env: 'production'}},
      spec: {spiffe: {id: '/svc/payments/processor'}},
    }])
  })

  it('workload-identity overview: role.yaml', () => {
    assert.deepEqual(parseFixture('overview-role.yaml'), [{
      kind: 'role', version: 'v6', metadata: {name: 'payments-svid-issuer'},
      spec: {allow: {
        workload_identity_labels: {team: ['payments'], env: ['production']},
        rules: [{resources: ['workload_identity'], verbs: ['list', 'read']}],
      }},
    }])
  })

  it('workload-identity overview: the DNS SAN variant', () => {
    const [wi] = parseFixture('overview-workload-identity-dns-sans.yaml')
    assert.deepEqual(wi?.spec, {spiffe: {id: '/svc/payments/processor', x509: {dns_sans: ['payments-processor.internal.example.com']}}})
  })

  it('workload-identity overview: unix attestation rules with `value: 1000` as a YAML number', () => {
    const [wi] = parseFixture('overview-workload-identity-rules.yaml')
    assert.deepEqual(wi, {
      kind: 'workload_identity', version: 'v1', metadata: {name: 'payments-processor', labels: {team: 'payments'}},
      spec: {
        spiffe: {id: '/svc/payments/processor'},
        rules: {allow: [
          {conditions: [{attribute: 'workload.unix.uid', eq: {value: '1000'}}]},
          {conditions: [{attribute: 'workload.unix.gid', eq: {value: '2000'}}]},
        ]},
      },
    })
    assert.deepEqual(Object.keys(wi!.spec), ['spiffe', 'rules'])
  })

  it('AWS OIDC federation guide: workload-identity.yaml and role.yaml', () => {
    assert.deepEqual(parseFixture('aws-oidc-workload-identity.yaml'), [{
      kind: 'workload_identity', version: 'v1',
      metadata: {name: 'example-workload-identity', labels: {example: 'getting-started'}},
      spec: {spiffe: {id: '/svc/example-service'}},
    }])
    assert.deepEqual(parseFixture('aws-oidc-role.yaml'), [{
      kind: 'role', version: 'v6', metadata: {name: 'example-workload-identity-issuer'},
      spec: {allow: {
        workload_identity_labels: {example: ['getting-started']},
        rules: [{resources: ['workload_identity'], verbs: ['list', 'read']}],
      }},
    }])
  })
})

describe('parseResources: streams and kinds', () => {
  it('reads concatenated JSON objects of several kinds', () => {
    const resources = parseFixture('stream.json')
    assert.deepEqual(resources.map((r) => `${r.kind}/${r.metadata.name}`), ['role/json-role', 'bot/json-bot', 'workload_identity/json-wi'])
  })

  it('an error in document 3 names document 3 (empty documents are not counted)', () => {
    const err = inputError(() => parseFixture('multi-error-in-doc3.yaml'))
    assert.equal(err.message, 'multi-error-in-doc3.yaml: document 3: spec.spiffe.id: must start with a /')
    assert.deepEqual(err.location, {file: 'multi-error-in-doc3.yaml', document: 3, field: 'spec.spiffe.id'})
    assert.equal(err.reason, 'must start with a /')
  })

  const kindErrors: Array<[string, string]> = [
    ['kind: user\nversion: v2\nmetadata: {name: u}\n', 'document 1: kind: creating resources of type "user" is not supported'],
    ['kind: ""\n', 'document 1: kind: creating resources of type "" is not supported'],
    ['version: v1\nmetadata: {name: x}\n', 'document 1: kind: is required'],
    ['kind: [role]\n', 'document 1: kind: must be a string, got a list'],
    ['- kind: role\n', 'document 1: expected a resource (a mapping with kind, version, metadata and spec), got a list'],
    ['just text\n', 'document 1: expected a resource (a mapping with kind, version, metadata and spec), got a string'],
    ['kind: __proto__\n', 'document 1: kind: creating resources of type "__proto__" is not supported'],
    ['kind: toString\n', 'document 1: kind: creating resources of type "toString" is not supported'],
  ]
  for (const [text, expected] of kindErrors) {
    it(JSON.stringify(text), () => assert.equal(inputError(() => parseResources(text, 'k.yaml')).message, `k.yaml: ${expected}`))
  }

  for (const text of ['', '# nothing here\n', '---\n---\n', 'null\n---\n~\n']) {
    it(`no documents in ${JSON.stringify(text)} is "no resources found"`, () => {
      const err = inputError(() => parseResources(text, 'empty.yaml'))
      assert.equal(err.message, 'empty.yaml: no resources found, empty input?')
      assert.deepEqual(err.location, {file: 'empty.yaml'})
    })
  }

  it('parseResource places errors at the document it is given', () => {
    assert.equal(inputError(() => parseResource({index: 7, value: {kind: 'bot'}}, 'b.yaml')).message,
      'b.yaml: document 7: metadata: is required')
  })

  it('parseResourceValue works without a file (stored values)', () => {
    assert.equal(inputError(() => parseResourceValue({kind: 'bot', metadata: {name: 'a/b'}}, {})).message,
      'metadata.name: must not contain "/"')
  })
})

const ALL_FIXTURES = readdirSync(FIXTURES).filter((f) => f !== 'multi-error-in-doc3.yaml')

function assertPlainFrozenJson(value: unknown, path: string): void {
  assert.notEqual(value, undefined, `${path} is undefined`)
  if (typeof value !== 'object' || value === null) return
  assert.ok(Object.isFrozen(value), `${path} is not frozen`)
  assert.ok(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype, `${path} is not a plain object`)
  for (const [key, item] of Object.entries(value)) assertPlainFrozenJson(item, `${path}.${key}`)
}

describe('output values: canonical, frozen, stable, round-tripping', () => {
  for (const name of ALL_FIXTURES) {
    it(`${name}: JSON and YAML output parse back to an equal value`, () => {
      const resources = parseFixture(name)
      const json = resources.map((r) => JSON.stringify(r)).join('\n')
      assert.deepEqual(parseResources(json, 'again.json'), resources)
      const yaml = resources.map((r) => stringify(r)).join('---\n')
      assert.deepEqual(parseResources(yaml, 'again.yaml'), resources)
      assert.equal(parseResources(yaml, 'again.yaml').map((r) => stringify(r)).join('---\n'), yaml)
    })

    it(`${name}: plain frozen JSON with no undefined values, keys in canonical order`, () => {
      for (const resource of parseFixture(name)) {
        assertPlainFrozenJson(resource, resource.kind)
        const order = ['kind', 'version', 'metadata', 'spec', 'status']
        const keys = Object.keys(resource)
        assert.deepEqual(keys, order.filter((k) => keys.includes(k)))
      }
    })
  }

  it('input key order does not change the output', () => {
    const a = parseResources('spec: {spiffe: {hint: h, id: /a}}\nmetadata: {labels: {x: y}, name: n}\nversion: v1\nkind: workload_identity\n', 'a')
    const b = parseResources('kind: workload_identity\nversion: v1\nmetadata: {name: n, labels: {x: y}}\nspec: {spiffe: {id: /a, hint: h}}\n', 'b')
    assert.equal(JSON.stringify(a), JSON.stringify(b))
  })

  it('durations come out in protojson form, as `tctl get` prints them', () => {
    const [wi] = parseFixture('full-workload-identity.yaml')
    assert.match(stringify(wi), /maximum_ttl: 3600s\n[\s\S]*maximum_ttl: 300s\n/)
  })
})
