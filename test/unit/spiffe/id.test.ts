import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {SpiffeIdError} from '../../../src/lib/errors.js'
import {SpiffeId, TrustDomain, validatePath, validatePathSegment} from '../../../src/lib/spiffe/id.js'

const MSG = {
  SPIFFEID_EMPTY: 'cannot be empty',
  SPIFFEID_WRONG_SCHEME: 'scheme is missing or invalid',
  SPIFFEID_BAD_TRUST_DOMAIN_CHAR: 'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  SPIFFEID_MISSING_TRUST_DOMAIN: 'trust domain is missing',
  SPIFFEID_EMPTY_SEGMENT: 'path cannot contain empty segments',
  SPIFFEID_DOT_SEGMENT: 'path cannot contain dot segments',
  SPIFFEID_BAD_PATH_CHAR: 'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  SPIFFEID_TRAILING_SLASH: 'path cannot have a trailing slash',
  SPIFFEID_NO_LEADING_SLASH: 'path must have a leading slash',
} as const
type Code = keyof typeof MSG

function assertFails(fn: () => unknown, code: Code, input: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SpiffeIdError, `${JSON.stringify(input)}: expected SpiffeIdError, got ${String(err)}`)
    assert.equal(err.code, code, JSON.stringify(input))
    assert.equal(err.message, MSG[code], JSON.stringify(input))
    return true
  })
}

describe('SpiffeId.parse (go-spiffe FromString)', () => {
  const valid: [string, string, string][] = [
    ['spiffe://example.org', 'example.org', ''],
    ['spiffe://example.org/workload', 'example.org', '/workload'],
    ['spiffe://example.teleport.sh/svc/payments/processor', 'example.teleport.sh', '/svc/payments/processor'],
    ['spiffe://td/Path/With/UPPER', 'td', '/Path/With/UPPER'],
    ['spiffe://1.2.3.4/a', '1.2.3.4', '/a'],
    ['spiffe://-leading-dash/a', '-leading-dash', '/a'],
    ['spiffe://a..b/x', 'a..b', '/x'],
    ['spiffe://under_score/x_y', 'under_score', '/x_y'],
    ['spiffe://td/.a', 'td', '/.a'],
    ['spiffe://td/..a', 'td', '/..a'],
    ['spiffe://td/...', 'td', '/...'],
    ['spiffe://td/a-b.c_d', 'td', '/a-b.c_d'],
    ['spiffe://td/0/1/2', 'td', '/0/1/2'],
  ]
  for (const [input, td, path] of valid) {
    it(`accepts ${input}`, () => {
      const id = SpiffeId.parse(input)
      assert.equal(id.trustDomain.name, td)
      assert.equal(id.path, path)
      assert.equal(id.toString(), input)
      assert.equal(id.isRoot(), path === '')
    })
  }

  const invalid: [string, Code][] = [
    ['', 'SPIFFEID_EMPTY'],
    ['example.org', 'SPIFFEID_WRONG_SCHEME'],
    ['http://example.org/a', 'SPIFFEID_WRONG_SCHEME'],
    ['Spiffe://example.org', 'SPIFFEID_WRONG_SCHEME'],
    ['SPIFFE://example.org', 'SPIFFEID_WRONG_SCHEME'],
    ['spiffe:/x', 'SPIFFEID_WRONG_SCHEME'],
    ['spiffe:x', 'SPIFFEID_WRONG_SCHEME'],
    ['spiffe//example.org', 'SPIFFEID_WRONG_SCHEME'],
    ['spiffe://', 'SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe:///', 'SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe:///path', 'SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe://Example.org', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://UPPER/path/', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://example.org:8080/a', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://user@example.org/a', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://example.org?query', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://example.org#frag', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://[::1]/a', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://ex%41mple.org', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://ex ample.org', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://exämple.org', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://td/', 'SPIFFEID_TRAILING_SLASH'],
    ['spiffe://td/path/', 'SPIFFEID_TRAILING_SLASH'],
    ['spiffe://td//', 'SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://td//a', 'SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://td/path//', 'SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://td/a//b', 'SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://td/.', 'SPIFFEID_DOT_SEGMENT'],
    ['spiffe://td/..', 'SPIFFEID_DOT_SEGMENT'],
    ['spiffe://td/./a', 'SPIFFEID_DOT_SEGMENT'],
    ['spiffe://td/a/../b', 'SPIFFEID_DOT_SEGMENT'],
    ['spiffe://td/a?x=1', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/a#f', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/a%20b', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/a:b', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/a@b', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/a b', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/é', 'SPIFFEID_BAD_PATH_CHAR'],
    ['spiffe://td/{{x}}', 'SPIFFEID_BAD_PATH_CHAR'],
  ]
  for (const [input, code] of invalid) it(`rejects ${JSON.stringify(input)} as ${code}`, () => assertFails(() => SpiffeId.parse(input), code, input))

  it('accepts a 2048-byte ID and has no length limit of its own (implementation-defined; go-spiffe enforces none)', () => {
    const id = 'spiffe://td/' + 'a'.repeat(2036)
    assert.equal(id.length, 2048)
    assert.equal(SpiffeId.parse(id).toString(), id)
  })

  it('compares, tests membership and serialises', () => {
    const a = SpiffeId.parse('spiffe://td/a')
    assert.ok(a.equals(SpiffeId.parse('spiffe://td/a')))
    assert.ok(!a.equals(SpiffeId.parse('spiffe://td/A')))
    assert.ok(a.memberOf(TrustDomain.parse('td')))
    assert.ok(!a.memberOf(TrustDomain.parse('other')))
    assert.equal(JSON.stringify({a}), '{"a":"spiffe://td/a"}')
  })
})

describe('TrustDomain.parse (go-spiffe TrustDomainFromString)', () => {
  it('accepts bare names and full IDs', () => {
    assert.equal(TrustDomain.parse('example.org').name, 'example.org')
    assert.equal(TrustDomain.parse('spiffe://example.org/path').name, 'example.org')
    assert.equal(TrustDomain.parse('spiffe://example.org').idString(), 'spiffe://example.org')
    assert.equal(TrustDomain.parse('td').id().toString(), 'spiffe://td')
  })
  const invalid: [string, Code][] = [
    ['', 'SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['BAD', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['example.org:80', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe:example.org', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['a/b', 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'],
    ['spiffe://td/', 'SPIFFEID_TRAILING_SLASH'],
    ['http://x', 'SPIFFEID_WRONG_SCHEME'],
    ['spiffe:///', 'SPIFFEID_MISSING_TRUST_DOMAIN'],
  ]
  for (const [input, code] of invalid) it(`rejects ${JSON.stringify(input)} as ${code}`, () => assertFails(() => TrustDomain.parse(input), code, input))
})

describe('paths and segments', () => {
  it('validatePath checks the leading slash FromString never sees', () => {
    assert.doesNotThrow(() => validatePath(''))
    assert.doesNotThrow(() => validatePath('/a/b'))
    assertFails(() => validatePath('a'), 'SPIFFEID_NO_LEADING_SLASH', 'a')
  })
  it('validatePathSegment checks one segment', () => {
    assertFails(() => validatePathSegment(''), 'SPIFFEID_EMPTY_SEGMENT', '')
    assertFails(() => validatePathSegment('.'), 'SPIFFEID_DOT_SEGMENT', '.')
    assertFails(() => validatePathSegment('..'), 'SPIFFEID_DOT_SEGMENT', '..')
    assertFails(() => validatePathSegment('a/b'), 'SPIFFEID_BAD_PATH_CHAR', 'a/b')
  })
  it('fromSegments and fromPath build valid IDs', () => {
    const td = TrustDomain.parse('td')
    assert.equal(SpiffeId.fromSegments(td, 'a', 'b').toString(), 'spiffe://td/a/b')
    assert.equal(SpiffeId.fromPath(td, '/x').toString(), 'spiffe://td/x')
    assertFails(() => SpiffeId.fromPath(td, '/x/'), 'SPIFFEID_TRAILING_SLASH', '/x/')
  })
})
