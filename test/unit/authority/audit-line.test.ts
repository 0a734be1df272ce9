import assert from 'node:assert/strict'
import {test} from 'node:test'
import {createHash} from 'node:crypto'
import {auditLine, MAX_AUDIT_LINE_BYTES} from '../../../src/lib/authority/audit-line.js'
import {auditRecord, type SvidIssuedEvent} from '../../../src/lib/authority/audit.js'

const UID = /"uid":"[0-9a-f-]{36}"/
const withoutUid = (line: string) => line.replace(UID, '"uid":"-"')
const time = new Date('2026-01-02T03:04:05.678Z')
const attributes = {
  user: {name: 'bot-a "q"', is_bot: true, bot_name: 'a', bot_instance_id: '', labels: {'x\n': 'ü'}, traits: {t: ['1', '2']}},
  join: {meta: {join_method: 'token'}},
}

const events: SvidIssuedEvent[] = [
  {svidType: 'x509', user: 'bot-a', spiffeId: 'spiffe://td/x', serialNumber: 'ab:cd', dnsSans: ['a.b'], hint: 'h\u2028"', workloadIdentity: 'w',
    workloadIdentityRevision: 'r1', nameSelector: 'w', attributes},
  {svidType: 'jwt', user: 'bot-a', spiffeId: 'spiffe://td/x', jti: 'j1', audiences: ['a', 'b'], hint: '', workloadIdentity: 'w',
    workloadIdentityRevision: '', labelSelectors: {team: ['a', '*']}, attributes},
  {svidType: 'jwt', user: 'u', spiffeId: 'spiffe://td/y', jti: 'j2', hint: '', workloadIdentity: 'w', workloadIdentityRevision: '', attributes},
]

test('auditLine is JSON.stringify(auditRecord) byte for byte, apart from the random uid', () => {
  for (const e of events) {
    const line = auditLine(e, time)
    assert.match(line, UID)
    assert.equal(withoutUid(line), withoutUid(JSON.stringify(auditRecord(e, time))))
    // Twice: the second serialisation of the same attributes object comes from the memo.
    assert.equal(withoutUid(auditLine(e, time)), withoutUid(line))
  }
})

test('auditLine gives a fresh uid per record', () => {
  const uid = (l: string) => (JSON.parse(l) as {uid: string}).uid
  assert.notEqual(uid(auditLine(events[0]!, time)), uid(auditLine(events[0]!, time)))
})

test('auditLine follows the clock and changed fields for the same attributes object', () => {
  const later = new Date(time.getTime() + 1)
  const e = {...events[0]!, spiffeId: 'spiffe://td/other', serialNumber: '01'}
  for (const [ev, t] of [[events[0]!, time], [e, later], [events[0]!, later], [e, time]] as const) {
    assert.equal(withoutUid(auditLine(ev, t)), withoutUid(JSON.stringify(auditRecord(ev, t))))
  }
})

const sha = (s: string) => 'sha256:' + createHash('sha256').update(s).digest('hex')

test('a JWT-SVID\'s audiences are bounded in the line: 16 at most, long ones hashed, and the line says so', () => {
  const huge = 'x'.repeat(3_500_000)
  const audiences = [huge, 'sts.amazonaws.com', ...Array.from({length: 18}, (_, i) => `aud-${i}`)]
  const e: SvidIssuedEvent = {...events[1]!, audiences}
  const line = auditLine(e, time)
  assert.equal(withoutUid(line), withoutUid(JSON.stringify(auditRecord(e, time))))
  assert.ok(Buffer.byteLength(line) < 4096, `${Buffer.byteLength(line)} bytes`)
  const record = JSON.parse(line) as {audiences: string[]; audiences_truncated: boolean; audiences_count: number; dns_sans: unknown}
  assert.equal(record.audiences.length, 16)
  assert.equal(record.audiences[0], sha(huge), 'comparable with a known audience')
  assert.equal(record.audiences[1], 'sts.amazonaws.com')
  assert.equal(record.audiences_truncated, true)
  assert.equal(record.audiences_count, 20)
  assert.deepEqual(record.dns_sans, [], 'the fields after follow as before')
  // Within the bounds nothing changes, and the flags are absent.
  const plain = JSON.parse(auditLine(events[1]!, time)) as Record<string, unknown>
  assert.deepEqual([plain.audiences, plain.audiences_truncated, plain.audiences_count], [['a', 'b'], undefined, undefined])
  const at256 = JSON.parse(auditLine({...events[1]!, audiences: ['y'.repeat(256)]}, time)) as Record<string, unknown>
  assert.deepEqual([at256.audiences, at256.audiences_truncated], [['y'.repeat(256)], undefined])
})

test('a line still too long (attributes and labels sent by a bot) hashes long values and large fields', () => {
  const labels = Object.fromEntries(Array.from({length: 2000}, (_, i) => [`label-${i}`, 'v']))
  const big = {...attributes, user: {...attributes.user, labels, traits: {t: ['z'.repeat(100_000)]}}}
  const e: SvidIssuedEvent = {...events[0]!, attributes: big, hint: 'h'.repeat(300), labelSelectors: {team: ['q'.repeat(10_000)]}}
  const line = auditLine(e, time)
  assert.equal(withoutUid(line), withoutUid(JSON.stringify(auditRecord(e, time))))
  assert.ok(Buffer.byteLength(line) <= MAX_AUDIT_LINE_BYTES, `${Buffer.byteLength(line)} bytes`)
  const record = JSON.parse(line) as Record<string, unknown>
  assert.equal(record.values_hashed, true)
  assert.equal(record.hint, sha('h'.repeat(300)))
  assert.deepEqual(record.label_selectors, {team: [sha('q'.repeat(10_000))]}, 'small once its long value is hashed')
  assert.match(String(record.attributes), /^sha256:[0-9a-f]{64}$/)
  assert.equal(record.spiffe_id, 'spiffe://td/x', 'short values stay as they are')
})
