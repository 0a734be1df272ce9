import assert from 'node:assert/strict'
import {test} from 'node:test'
import {auditLine} from '../../../src/lib/authority/audit-line.js'
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
