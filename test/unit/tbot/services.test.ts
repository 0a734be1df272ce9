import assert from 'node:assert/strict'
import {X509Certificate, createPrivateKey, createPublicKey} from 'node:crypto'
import {mkdtemp, readFile, readdir, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {jwtVerify} from 'jose'
import {BadParameterError} from '../../../src/lib/errors.js'
import {createLogger, type Logger} from '../../../src/lib/log.js'
import type {JwtOutputConfig, X509OutputConfig} from '../../../src/lib/tbot/config/types.js'
import {MemoryDestination, type Artifact} from '../../../src/lib/tbot/destination.js'
import {createOutputService, exactlyOne} from '../../../src/lib/tbot/services.js'
import {FakeSession} from './fake-session.js'
import {makeTrustDomainCa, type TrustDomainCa} from '../../helpers/pki.js'

let root = ''
let ca: TrustDomainCa
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tbot-svc-'))
  ca = await makeTrustDomainCa()
})
after(async () => { await rm(root, {recursive: true, force: true}) })

function x509Config(path: string, extra: Partial<X509OutputConfig> = {}): X509OutputConfig {
  return {
    type: 'workload-identity-x509', name: 'out-1', origin: 'services[0]', selector: {name: 'foo'},
    destination: {type: 'directory', path, symlinks: 'try-secure'}, includeFederatedTrustBundles: false,
    credentialTtlMs: 3_600_000, renewalIntervalMs: 1_200_000, ...extra,
  }
}

function jwtConfig(path: string): JwtOutputConfig {
  return {
    type: 'workload-identity-jwt', name: 'jwt-1', origin: 'services[1]', selector: {labels: {env: ['prod']}},
    destination: {type: 'directory', path, symlinks: 'try-secure'}, audiences: ['sts.amazonaws.com', 'b'],
    credentialTtlMs: 600_000, renewalIntervalMs: 300_000,
  }
}

function captureLog(): {log: Logger; lines: string[]} {
  const lines: string[] = []
  return {log: createLogger({component: 'tbot', write: (l) => lines.push(l)}), lines}
}

/** Records the order artifacts reach the destination. */
class RecordingDestination extends MemoryDestination {
  readonly order: string[] = []
  override async write(artifacts: readonly Artifact[]): Promise<void> {
    for (const a of artifacts) this.order.push(a.name)
    return super.write(artifacts)
  }
}

const live = new AbortController().signal

describe('workload-identity-x509 output', () => {
  it('writes a key, a certificate for that key, and the trust bundle, all parseable and 0600', async () => {
    const dir = join(root, 'x509')
    const session = new FakeSession(ca)
    const {log, lines} = captureLog()
    const service = createOutputService(x509Config(dir), {log})
    await service.init()
    const result = await service.generate(session, live)

    assert.equal(session.x509Requests.length, 1)
    const request = session.x509Requests[0]!
    assert.deepEqual(request.selector, {name: 'foo'})
    assert.equal(request.ttlMs, 3_600_000)
    assert.equal(createPublicKey({key: Buffer.from(request.publicKeyDer), format: 'der', type: 'spki'}).asymmetricKeyDetails?.namedCurve, 'prime256v1')

    const keyPem = await readFile(join(dir, 'svid_key.pem'), 'utf8')
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/)
    const key = createPrivateKey(keyPem)
    assert.equal(key.asymmetricKeyType, 'ec')
    const cert = new X509Certificate(await readFile(join(dir, 'svid.pem')))
    assert.ok(cert.checkPrivateKey(key), 'svid.pem certifies svid_key.pem')
    assert.equal(cert.subjectAltName, 'URI:spiffe://example.teleport.sh/svc/foo')
    const bundle = new X509Certificate(await readFile(join(dir, 'svid_bundle.pem')))
    assert.ok(cert.verify(bundle.publicKey), 'svid.pem verifies against svid_bundle.pem')
    assert.equal(await readFile(join(dir, 'svid_bundle.pem'), 'utf8'), ca.certPem)
    for (const name of await readdir(dir)) assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name)
    assert.deepEqual((await readdir(dir)).sort(), ['svid.pem', 'svid_bundle.pem', 'svid_key.pem'])

    assert.equal(result.spiffeId, 'spiffe://example.teleport.sh/svc/foo')
    assert.equal(result.bundleFingerprint, (await session.trustBundle()).fingerprint)
    assert.equal(lines.length, 1)
    assert.match(lines[0]!, / INFO \[TBOT\]      Generated X509 SVID service:out-1 spiffe_id:spiffe:\/\/example.teleport.sh\/svc\/foo expires:\S+ serial:01 destination:file:\/\/.*\n$/)
    assert.ok(!lines[0]!.includes('PRIVATE KEY'))
  })

  it('writes the key first, then the certificate, then the bundle', async () => {
    const destination = new RecordingDestination()
    const service = createOutputService(x509Config('/unused'), {log: captureLog().log, destination})
    await service.generate(new FakeSession(ca), live)
    assert.deepEqual(destination.order, ['svid_key.pem', 'svid.pem', 'svid_bundle.pem'])
  })

  it('each generation makes a new key', async () => {
    const destination = new MemoryDestination()
    const session = new FakeSession(ca)
    const service = createOutputService(x509Config('/unused'), {log: captureLog().log, destination})
    await service.generate(session, live)
    const first = new TextDecoder().decode(await destination.read('svid_key.pem'))
    await service.generate(session, live)
    assert.notEqual(new TextDecoder().decode(await destination.read('svid_key.pem')), first)
    assert.notDeepEqual(session.x509Requests[0]!.publicKeyDer, session.x509Requests[1]!.publicKeyDer)
  })

  it('appends the chain to svid.pem and federated bundles only when asked', async () => {
    const other = await makeTrustDomainCa('other.example.com')
    const session = new FakeSession(ca)
    session.federated = [{trustDomain: 'other.example.com', x509Pem: other.certPem, jwtKeys: []}]
    session.overrides.x509 = async (req) => {
      const cred = await session.x509Credential(req.publicKeyDer, session.spiffeId, 'foo', req.ttlMs)
      return [{...cred, chainDer: [new Uint8Array(other.cert.rawData)]}]
    }
    const plain = new MemoryDestination()
    await createOutputService(x509Config('/u'), {log: captureLog().log, destination: plain}).generate(session, live)
    const svidPem = new TextDecoder().decode(await plain.read('svid.pem'))
    assert.equal(svidPem.match(/BEGIN CERTIFICATE/g)?.length, 2)
    assert.equal(new TextDecoder().decode(await plain.read('svid_bundle.pem')), ca.certPem)
    const federated = new MemoryDestination()
    await createOutputService(x509Config('/u', {includeFederatedTrustBundles: true}), {log: captureLog().log, destination: federated}).generate(session, live)
    assert.equal(new TextDecoder().decode(await federated.read('svid_bundle.pem')), ca.certPem + other.certPem)
  })

  it('zero SVIDs: Teleport\'s message, nothing written', async () => {
    const destination = new MemoryDestination()
    const session = new FakeSession(ca)
    session.overrides.x509 = async () => []
    const service = createOutputService(x509Config('/u'), {log: captureLog().log, destination})
    await assert.rejects(service.generate(session, live), (err: unknown) => err instanceof BadParameterError && err.message === 'no X509 SVIDs returned')
    assert.deepEqual(destination.names(), [])
  })

  it('several SVIDs: lists name:spiffe-id as Teleport does, nothing written', async () => {
    const destination = new MemoryDestination()
    const session = new FakeSession(ca)
    session.overrides.x509 = async (req) => [
      await session.x509Credential(req.publicKeyDer, 'spiffe://example.teleport.sh/a', 'wi-a', req.ttlMs),
      await session.x509Credential(req.publicKeyDer, 'spiffe://example.teleport.sh/b', 'wi-b', req.ttlMs),
    ]
    const service = createOutputService(x509Config('/u'), {log: captureLog().log, destination})
    await assert.rejects(service.generate(session, live), {
      message: 'multiple X509 SVIDs received: [wi-a:spiffe://example.teleport.sh/a wi-b:spiffe://example.teleport.sh/b]',
    })
    assert.deepEqual(destination.names(), [])
  })

  it('refuses a certificate for a key it did not generate', async () => {
    const destination = new MemoryDestination()
    const session = new FakeSession(ca)
    const stranger = await makeTrustDomainCa('stranger')
    session.overrides.x509 = async (req) => {
      const spki = new Uint8Array(await crypto.subtle.exportKey('spki', stranger.keys.publicKey))
      return [await session.x509Credential(spki, session.spiffeId, 'foo', req.ttlMs)]
    }
    await assert.rejects(createOutputService(x509Config('/u'), {log: captureLog().log, destination}).generate(session, live), {
      message: 'issued X509 SVID does not certify the key tbot generated',
    })
    assert.deepEqual(destination.names(), [])
  })

  it('does not ask for anything once stopped', async () => {
    const session = new FakeSession(ca)
    const stopped = AbortSignal.abort()
    await assert.rejects(createOutputService(x509Config('/u'), {log: captureLog().log, destination: new MemoryDestination()}).generate(session, stopped), {name: 'AbortError'})
    assert.equal(session.x509Requests.length, 0)
  })
})

describe('workload-identity-jwt output', () => {
  it('writes jwt_svid, the compact JWT and nothing else, never logging it', async () => {
    const dir = join(root, 'jwt')
    const session = new FakeSession(ca)
    const {log, lines} = captureLog()
    const service = createOutputService(jwtConfig(dir), {log})
    await service.init()
    const result = await service.generate(session, live)
    assert.deepEqual(session.jwtRequests.map((r) => [r.selector, r.audiences, r.ttlMs]), [[{labels: {env: ['prod']}}, ['sts.amazonaws.com', 'b'], 600_000]])
    const raw = await readFile(join(dir, 'jwt_svid'), 'utf8')
    assert.ok(!raw.endsWith('\n'))
    assert.match(raw, /^[\w-]+\.[\w-]+\.[\w-]+$/)
    const {payload} = await jwtVerify(raw, ca.keys.publicKey, {audience: 'sts.amazonaws.com'})
    assert.equal(payload.sub, 'spiffe://example.teleport.sh/svc/foo')
    assert.equal((await stat(join(dir, 'jwt_svid'))).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(dir), ['jwt_svid'])
    assert.equal(result.spiffeId, 'spiffe://example.teleport.sh/svc/foo')
    assert.equal(lines.length, 1)
    assert.match(lines[0]!, /Generated JWT SVID service:jwt-1 spiffe_id:spiffe:\/\/example.teleport.sh\/svc\/foo audiences:\[sts.amazonaws.com b\] expires:/)
    assert.ok(!lines[0]!.includes(raw.split('.')[1]!), 'the token is not logged')
  })

  it('zero or several JWT SVIDs fail like X.509', async () => {
    const session = new FakeSession(ca)
    session.overrides.jwt = async () => []
    await assert.rejects(createOutputService(jwtConfig('/u'), {log: captureLog().log, destination: new MemoryDestination()}).generate(session, live), {message: 'no JWT SVIDs returned'})
  })
})

describe('exactlyOne', () => {
  it('returns the only credential', () => {
    const c = {spiffeId: 's', hint: '', workloadIdentityName: 'n', expiresAt: new Date(0), ttlMs: 1}
    assert.equal(exactlyOne([c], 'JWT'), c)
    assert.throws(() => exactlyOne([c, {...c, workloadIdentityName: 'm'}], 'JWT'), {message: 'multiple JWT SVIDs received: [n:s m:s]'})
  })
})
