import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {SpiffeId, TrustDomain} from '../../../src/lib/spiffe/id.js'
import {WorkloadApiError} from '../../../src/lib/workloadapi/client.js'
import {
  formatGoDuration, formatGoTime, formatInspectReport, inspectWorkloadApi, type InspectClient, type InspectReport,
} from '../../../src/lib/workloadapi/inspect.js'

describe('Go formatting', () => {
  it('prints times as time.Time.String() in UTC', () => {
    assert.equal(formatGoTime(new Date('2024-03-20T10:55:52Z')), '2024-03-20 10:55:52 +0000 UTC')
    assert.equal(formatGoTime(new Date('2024-03-20T10:55:52.120Z')), '2024-03-20 10:55:52.12 +0000 UTC')
  })
  it('prints durations as time.Duration.String()', () => {
    const cases: ReadonlyArray<[number, string]> = [
      [0, '0s'], [250, '250ms'], [1000, '1s'], [1500, '1.5s'], [60_000, '1m0s'], [3_599_123, '59m59.123s'],
      [3_600_000, '1h0m0s'], [90_061_001, '25h1m1.001s'], [-5000, '-5s'], [-61_000, '-1m1s'],
    ]
    for (const [ms, want] of cases) assert.equal(formatGoDuration(ms), want, String(ms))
  })
})

const NOW = new Date('2030-01-01T00:00:00Z')
const REPORT: InspectReport = {
  x509_svids: [{spiffe_id: 'spiffe://example.org/svc/a', hint: 'primary', expires_at: new Date('2030-01-01T01:00:00Z'),
    dns_sans: ['a.example.org'], ip_sans: ['10.0.0.1', 'fd00::1']}],
  x509_bundles: [{trust_domain: 'example.org', ca_count: 1}, {trust_domain: 'partner.test', ca_count: 2}],
  jwt_svids: [
    {spiffe_id: 'spiffe://example.org/svc/a', expires_at: new Date('2030-01-01T00:05:00Z'), audiences: ['example.com', 'x'],
      hint: '', token: 'eyJ.a.b', validation_error: ''},
    {spiffe_id: 'spiffe://example.org/svc/b', expires_at: new Date('2030-01-01T00:05:00Z'), audiences: ['example.com'],
      hint: 'b', token: 'eyJ.c.d', validation_error: 'rpc error: code = InvalidArgument desc = jwtsvid: token has expired'},
  ],
  jwt_bundles: [{trust_domain: 'example.org', key_ids: ['k1', 'k2']}],
}

describe('formatInspectReport (Teleport\'s tool/tbot/spiffe.go)', () => {
  it('prints the four sections exactly', () => {
    assert.equal(formatInspectReport(REPORT, NOW), [
      '# X509 SVIDs',
      '- spiffe://example.org/svc/a',
      '  - Hint: primary',
      '  - Expiry: 2030-01-01 01:00:00 +0000 UTC (1h0m0s)',
      '  - DNS SAN: a.example.org',
      '  - IP SAN: 10.0.0.1',
      '  - IP SAN: fd00::1',
      '# X509 Trust Bundles',
      '- example.org (#CAs: 1)',
      '- partner.test (#CAs: 2)',
      '# JWT SVIDs',
      '- spiffe://example.org/svc/a',
      '  - Expiry: 2030-01-01 00:05:00 +0000 UTC (5m0s)',
      '  - Audiences: [example.com x]',
      '  - Hint: ',
      '  - Value: eyJ.a.b',
      '  - Validation: PASS',
      '- spiffe://example.org/svc/b',
      '  - Expiry: 2030-01-01 00:05:00 +0000 UTC (5m0s)',
      '  - Audiences: [example.com]',
      '  - Hint: b',
      '  - Value: eyJ.c.d',
      '  - Validation: FAIL - rpc error: code = InvalidArgument desc = jwtsvid: token has expired',
      '# JWT Bundles',
      '- example.org (#Keys: 2)',
      '  - Key ID: k1',
      '  - Key ID: k2',
      '',
    ].join('\n'))
  })

  it('says "No JWT SVIDs received" when no JWT-SVID came back, even with JWT bundles (Teleport\'s bug fixed)', () => {
    const text = formatInspectReport({...REPORT, jwt_svids: []}, NOW)
    assert.match(text, /# JWT SVIDs\nNo JWT SVIDs received, check your configuration\n# JWT Bundles\n- example\.org/)
    const empty = formatInspectReport({x509_svids: [], x509_bundles: [], jwt_svids: [], jwt_bundles: []}, NOW)
    assert.equal(empty, ['# X509 SVIDs', 'No X509 SVIDs received, check your configuration', '# X509 Trust Bundles',
      'No X509 trust bundles received, check your configuration', '# JWT SVIDs', 'No JWT SVIDs received, check your configuration',
      '# JWT Bundles', 'No JWT trust bundles received, check your configuration', ''].join('\n'))
  })
})

describe('inspectWorkloadApi', () => {
  const empty: InspectClient = {
    fetchX509ContextAllowEmpty: async () => ({svids: [], bundles: new Map()}),
    fetchJwtSvids: async () => [],
    fetchJwtBundles: async () => new Map([['example.org', {trustDomain: TrustDomain.parse('example.org'), keys: new Map()}]]),
    validateJwtSvid: async () => { throw new Error('not called') },
  }

  it('wraps each step\'s failure as Teleport does, keeping the error code', async () => {
    const denied = new WorkloadApiError(7, 'workload did not pass attestation for any SVIDs')
    await assert.rejects(inspectWorkloadApi({...empty, fetchX509ContextAllowEmpty: () => Promise.reject(denied)}, 'example.com'),
      {message: 'getting x509 context: rpc error: code = PermissionDenied desc = workload did not pass attestation for any SVIDs',
        code: 'ACCESS_DENIED'})
    await assert.rejects(inspectWorkloadApi({...empty, fetchJwtSvids: () => Promise.reject(denied)}, 'example.com'),
      {message: 'getting JWT SVIDs: rpc error: code = PermissionDenied desc = workload did not pass attestation for any SVIDs'})
    await assert.rejects(inspectWorkloadApi({...empty, fetchJwtBundles: () => Promise.reject(new Error('x'))}, 'example.com'),
      {message: 'getting JWT bundles: x'})
  })

  it('validates every JWT-SVID with the same audience', async () => {
    const seen: string[] = []
    const svid = {spiffeId: SpiffeId.parse('spiffe://example.org/a'), token: 't', audience: ['aud'], expiry: NOW, claims: {}, hint: ''}
    const report = await inspectWorkloadApi({...empty, fetchJwtSvids: async () => [svid, {...svid, token: 'u'}],
      validateJwtSvid: async (token, audience) => {
        seen.push(`${token}/${audience}`)
        if (token === 'u') throw new WorkloadApiError(3, 'bad')
        return svid
      }}, 'aud')
    assert.deepEqual(seen, ['t/aud', 'u/aud'])
    assert.deepEqual(report.jwt_svids.map((s) => s.validation_error), ['', 'rpc error: code = InvalidArgument desc = bad'])
  })
})
