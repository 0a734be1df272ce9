import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  createLogger,
  discardLogger,
  isSecretFieldName,
  parseLogFormat,
  parseLogLevel,
  REDACTED,
  type LoggerOptions,
} from '../../src/lib/log.js'

const AT = new Date(Date.UTC(2024, 2, 20, 10, 55, 52, 123))

function capture(options: Omit<LoggerOptions, 'write' | 'now'> = {}) {
  const lines: string[] = []
  const log = createLogger({component: 'tbot', ...options, now: () => AT, write: (line) => lines.push(line)})
  return {log, lines}
}

describe('text format (Teleport slog text handler layout)', () => {
  it('prints timestamp, 4-char level, padded component, message and key:value fields', () => {
    const {log, lines} = capture()
    log.info('Generated X509 SVID', {spiffe_id: 'spiffe://example.teleport.sh/svc/foo', count: 2, ok: true})
    assert.deepEqual(lines, [
      '2024-03-20T10:55:52.123Z INFO [TBOT]      Generated X509 SVID spiffe_id:spiffe://example.teleport.sh/svc/foo count:2 ok:true\n',
    ])
  })

  it('cuts level names to four characters as Teleport does', () => {
    const {log, lines} = capture({level: 'debug'})
    log.debug('a')
    log.info('b')
    log.warn('c')
    log.error('d')
    assert.deepEqual(lines.map((l) => l.slice(25, 29)), ['DEBU', 'INFO', 'WARN', 'ERRO'])
  })

  it('pads the component to 11 characters and cuts a longer one, closing the bracket', () => {
    const {log, lines} = capture()
    log.child('identity').info('x')
    log.child('x').info('y')
    assert.equal(lines[0], '2024-03-20T10:55:52.123Z INFO [TBOT:IDEN] x\n')
    assert.equal(lines[1], '2024-03-20T10:55:52.123Z INFO [TBOT:X]    y\n')
  })

  it('formats errors in brackets, dates in RFC 3339, lists Go-style, and quotes control characters', () => {
    const {log, lines} = capture()
    log.warn('Failed', {error: new Error('no X509 SVIDs returned'), expires: AT, audiences: ['a', 'b'], animal: 'llama\n'})
    assert.equal(
      lines[0],
      '2024-03-20T10:55:52.123Z WARN [TBOT]      Failed error:[no X509 SVIDs returned] expires:2024-03-20T10:55:52.123Z audiences:[a b] animal:"llama\\n"\n',
    )
  })

  it('filters by level: debug is off unless asked for', () => {
    const info = capture()
    info.log.debug('hidden')
    assert.deepEqual(info.lines, [])
    assert.equal(info.log.enabled('debug'), false)
    const debug = capture({level: 'debug'})
    debug.log.debug('shown')
    assert.equal(debug.lines.length, 1)
    const err = capture({level: 'error'})
    err.log.warn('hidden')
    err.log.error('shown')
    assert.equal(err.lines.length, 1)
  })

  it('with() adds fields to every line, later fields win', () => {
    const {log, lines} = capture()
    const svc = log.with({service: 'workload-identity-x509-1'})
    svc.info('a', {n: 1})
    svc.info('b', {service: 'other'})
    assert.match(lines[0] ?? '', / a service:workload-identity-x509-1 n:1\n$/)
    assert.match(lines[1] ?? '', / b service:other\n$/)
  })
})

describe('json format (Teleport slog JSON handler keys)', () => {
  it('prints one object per line with timestamp, level, component, message and top-level fields', () => {
    const {log, lines} = capture({format: 'json'})
    log.warn('Failed to renew', {error: new Error('boom'), attempt: 2, message: 'clash'})
    assert.equal(lines.length, 1)
    assert.ok(lines[0]?.endsWith('\n'))
    assert.deepEqual(JSON.parse(lines[0] ?? ''), {
      timestamp: '2024-03-20T10:55:52Z',
      level: 'warning',
      component: 'tbot',
      message: 'Failed to renew',
      error: 'boom',
      attempt: 2,
      field_message: 'clash',
    })
  })

  it('uses Teleport level names', () => {
    const {log, lines} = capture({format: 'json', level: 'debug'})
    log.debug('a')
    log.info('b')
    log.error('c')
    assert.deepEqual(lines.map((l) => JSON.parse(l).level), ['debug', 'info', 'error'])
  })
})

describe('redaction', () => {
  it('replaces fields named like secrets, at any depth, in both formats', () => {
    for (const format of ['text', 'json'] as const) {
      const {log, lines} = capture({format})
      log.info('joined', {
        token: 'TOKEN-1',
        join_token: 'TOKEN-2',
        privateKey: 'PRIV-1',
        secret: 'SECRET-1',
        jwt: 'JWT-1',
        svid: {private_key: 'PRIV-2', spiffe_id: 'spiffe://td/a'},
        token_count: 3,
      })
      const line = lines[0] ?? ''
      for (const secret of ['TOKEN-1', 'TOKEN-2', 'PRIV-1', 'SECRET-1', 'JWT-1', 'PRIV-2']) {
        assert.ok(!line.includes(secret), `${format}: ${secret} leaked: ${line}`)
      }
      assert.ok(line.includes('spiffe://td/a'), line)
      assert.equal(line.split(REDACTED).length - 1, 7, line)
    }
  })

  it('redacts PEM private keys and compact JWTs whatever the field is called', () => {
    const {log, lines} = capture({format: 'json'})
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n'
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcGlmZmU6Ly90ZC9hIn0.c2lnbmF0dXJl'
    log.info('oops', {value: pem, other: jwt, list: [jwt], fine: 'eyJ-not-a-jwt'})
    const record = JSON.parse(lines[0] ?? '')
    assert.equal(record.value, REDACTED)
    assert.equal(record.other, REDACTED)
    assert.deepEqual(record.list, [REDACTED])
    assert.equal(record.fine, 'eyJ-not-a-jwt')
  })

  it('decides secret names by word, not substring', () => {
    for (const name of ['token', 'join_token', 'privateKey', 'private_key', 'key', 'client-secret', 'svid.jwt', 'password', 'TOKEN']) {
      assert.equal(isSecretFieldName(name), true, name)
    }
    for (const name of ['spiffe_id', 'keys_count', 'tokenizer', 'monkey', 'service', 'expires']) {
      assert.equal(isSecretFieldName(name), false, name)
    }
  })
})

describe('parsing options', () => {
  it('accepts Teleport severities and formats, rejects others', () => {
    assert.equal(parseLogLevel('DEBUG'), 'debug')
    assert.equal(parseLogLevel('warning'), 'warn')
    assert.equal(parseLogLevel('err'), 'error')
    assert.equal(parseLogLevel(''), 'info')
    assert.throws(() => parseLogLevel('loud'), {message: 'unsupported logger severity: "loud"'})
    assert.equal(parseLogFormat('JSON'), 'json')
    assert.equal(parseLogFormat(''), 'text')
    assert.throws(() => parseLogFormat('xml'), /unsupported log output format/)
  })

  it('discardLogger writes nothing and reports nothing enabled', () => {
    discardLogger.with({a: 1}).child('x').error('nothing')
    assert.equal(discardLogger.enabled('error'), false)
  })
})
