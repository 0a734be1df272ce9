import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  formatWorkloadAddress, grpcTarget, parseWorkloadAddress, resolveWorkloadAddress, type WorkloadAddress,
} from '../../../src/lib/workloadapi/address.js'
import {canonicalIp} from '../../../src/lib/workloadapi/ip.js'

const UNIX = 'workload endpoint unix socket URI'
const TCP = 'workload endpoint tcp socket URI'
const SCHEME = 'workload endpoint socket URI must have a "tcp" or "unix" scheme'

// go-spiffe v2 workloadapi/addr_test.go + addr_posix_test.go, in their order, with their top-level messages.
const GO_SPIFFE_TABLE: ReadonlyArray<[string, string | WorkloadAddress]> = [
  ['\t', 'workload endpoint socket is not a valid URI: "\\t": control characters are not allowed'],
  ['blah', SCHEME],
  ['unix:opaque', `${UNIX} must not be opaque`],
  ['unix://', `${UNIX} must include a path`],
  ['unix://foo?whatever', `${UNIX} must not include query values`],
  ['unix://foo#whatever', `${UNIX} must not include a fragment`],
  ['unix://john:doe@foo/path', `${UNIX} must not include user info`],
  ['tcp:opaque', `${TCP} must not be opaque`],
  ['tcp://', `${TCP} must include a host`],
  ['tcp://1.2.3.4:5?whatever', `${TCP} must not include query values`],
  ['tcp://1.2.3.4:5#whatever', `${TCP} must not include a fragment`],
  ['tcp://john:doe@1.2.3.4:5/path', `${TCP} must not include user info`],
  ['tcp://1.2.3.4:5/path', `${TCP} must not include a path`],
  ['tcp://foo', `${TCP} host component must be an IP:port`],
  ['tcp://1.2.3.4', `${TCP} host component must include a port`],
  ['tcp://1.2.3.4:5', {network: 'tcp', host: '1.2.3.4', port: 5}],
]

const MORE_CASES: ReadonlyArray<[string, string | WorkloadAddress]> = [
  ['unix:///tmp/agent.sock', {network: 'unix', path: '/tmp/agent.sock'}],
  ['unix:/tmp/agent.sock', {network: 'unix', path: '/tmp/agent.sock'}],
  ['UNIX:///tmp/agent.sock', {network: 'unix', path: '/tmp/agent.sock'}],
  ['unix:///tmp/a%20b.sock', {network: 'unix', path: '/tmp/a b.sock'}],
  ['unix:///tmp/x.sock?', {network: 'unix', path: '/tmp/x.sock'}],
  ['unix:///tmp/x.sock#', {network: 'unix', path: '/tmp/x.sock'}],
  // go-spiffe passes unix://foo (foo parsed as a host); the spec forbids an authority (§4.5).
  ['unix://foo', `${UNIX} must not include a host (use unix:///absolute/path)`],
  ['unix://foo/bar.sock', `${UNIX} must not include a host (use unix:///absolute/path)`],
  ['unix:', `${UNIX} must include a path`],
  ['unix:relative/path.sock', `${UNIX} must not be opaque`],
  ['unix:///tmp/%zz', 'workload endpoint socket is not a valid URI: "unix:///tmp/%zz": path "/tmp/%zz": URI malformed'],
  ['/tmp/agent.sock', SCHEME],
  ['', SCHEME],
  ['npipe:foo', SCHEME],
  ['http://1.2.3.4:5', SCHEME],
  [':foo', 'workload endpoint socket is not a valid URI: ":foo": missing or malformed scheme'],
  ['1tcp:x', 'workload endpoint socket is not a valid URI: "1tcp:x": missing or malformed scheme'],
  ['tcp://1.2.3.4:5/', `${TCP} must not include a path`],
  ['tcp:', `${TCP} must include a host`],
  ['tcp://localhost:8000', `${TCP} host component must be an IP:port`],
  ['tcp://1.2.3.4:', `${TCP} host component must include a port`],
  ['tcp://01.2.3.4:5', `${TCP} host component must be an IP:port`],
  ['tcp://1.2.3.4:x', 'workload endpoint socket is not a valid URI: "tcp://1.2.3.4:x": Invalid URL'],
  ['tcp://a b:1', 'workload endpoint socket is not a valid URI: "tcp://a b:1": Invalid URL'],
  ['tcp://[::1]:8000', {network: 'tcp', host: '::1', port: 8000}],
  ['tcp://[0:0:0:0:0:0:0:1]:8000', {network: 'tcp', host: '::1', port: 8000}],
  ['tcp://[::ffff:1.2.3.4]:8', {network: 'tcp', host: '1.2.3.4', port: 8}],
  ['tcp://[::1]', `${TCP} host component must include a port`],
  ['tcp://[fe80::1%25eth0]:8', `${TCP} host component must be an IP:port`],
  ['tcp://127.0.0.1:0', {network: 'tcp', host: '127.0.0.1', port: 0}],
  // WHATWG URL would strip these quietly and dial another address; Go refuses control characters.
  ['unix:///tmp/a\tb.sock', 'workload endpoint socket is not a valid URI: "unix:///tmp/a\\tb.sock": control characters are not allowed'],
  [' unix:///tmp/x.sock', 'workload endpoint socket is not a valid URI: " unix:///tmp/x.sock": leading or trailing spaces are not allowed'],
  ['unix:///tmp/x.sock ', 'workload endpoint socket is not a valid URI: "unix:///tmp/x.sock ": leading or trailing spaces are not allowed'],
  // An empty user info is still user info to Go (WHATWG drops it).
  ['tcp://@1.2.3.4:5', `${TCP} must not include user info`],
  ['unix://@foo/x.sock', `${UNIX} must not include user info`],
  ['tcp://1.2.3.4:65536', 'workload endpoint socket is not a valid URI: "tcp://1.2.3.4:65536": Invalid URL'],
  ['tcp://1.2.3.4:08000', {network: 'tcp', host: '1.2.3.4', port: 8000}],
  ['unix:///run/spire%2Fagent.sock', {network: 'unix', path: '/run/spire/agent.sock'}],
]

describe('parseWorkloadAddress', () => {
  for (const [input, want] of [...GO_SPIFFE_TABLE, ...MORE_CASES]) {
    it(`${JSON.stringify(input)} → ${typeof want === 'string' ? want : JSON.stringify(want)}`, () => {
      if (typeof want === 'string') {
        assert.throws(() => parseWorkloadAddress(input), (err: Error & {code?: string}) => {
          assert.equal(err.message, want)
          assert.equal(err.code, 'BAD_PARAMETER')
          return true
        })
      } else {
        assert.deepEqual(parseWorkloadAddress(input), want)
      }
    })
  }
})

describe('resolveWorkloadAddress', () => {
  it('takes the explicit address over SPIFFE_ENDPOINT_SOCKET', () => {
    const env = {SPIFFE_ENDPOINT_SOCKET: 'unix:///env.sock'}
    assert.deepEqual(resolveWorkloadAddress('unix:///flag.sock', env), {network: 'unix', path: '/flag.sock'})
    assert.deepEqual(resolveWorkloadAddress(undefined, env), {network: 'unix', path: '/env.sock'})
  })
  it('fails as go-spiffe when nothing is configured, and parses an empty variable', () => {
    assert.throws(() => resolveWorkloadAddress(undefined, {}), {message: 'workload endpoint socket address is not configured'})
    assert.throws(() => resolveWorkloadAddress(undefined, {SPIFFE_ENDPOINT_SOCKET: ''}), {message: SCHEME})
  })
})

describe('address forms', () => {
  it('formats canonical URIs and grpc-js targets', () => {
    const unix = parseWorkloadAddress('unix:/run/w.sock')
    assert.equal(formatWorkloadAddress(unix), 'unix:///run/w.sock')
    assert.equal(grpcTarget(unix), 'unix:/run/w.sock')
    const v6 = parseWorkloadAddress('tcp://[::1]:8000')
    assert.equal(formatWorkloadAddress(v6), 'tcp://[::1]:8000')
    assert.equal(grpcTarget(v6), '[::1]:8000')
    assert.equal(grpcTarget(parseWorkloadAddress('tcp://10.0.0.1:80')), '10.0.0.1:80')
  })
})

describe('IP literals (accepted as Go net.ParseIP, printed as IP.String)', () => {
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ['1.2.3.4', '1.2.3.4'], ['255.255.255.255', '255.255.255.255'], ['256.1.1.1', undefined], ['1.2.3', undefined],
    ['01.2.3.4', undefined], ['::', '::'], ['::1', '::1'], ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['2001:db8::', '2001:db8::'], ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
    ['::ffff:10.0.0.1', '10.0.0.1'], ['64:ff9b::1.2.3.4', '64:ff9b::102:304'], ['1::2::3', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined], ['12345::', undefined], ['fe80::1%eth0', undefined], ['localhost', undefined],
  ]
  for (const [input, want] of cases) {
    it(`${input} → ${want ?? 'invalid'}`, () => {
      assert.equal(canonicalIp(input), want)
    })
  }
})
