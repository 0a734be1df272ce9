/**
 * Envoy SDS v3 on the Workload API socket, end to end: a real Unix socket, the vendored Envoy
 * definitions on both sides (grpc-js, as an Envoy-compatible client), real attestation (a client
 * process as uid 65534 that the source does not entitle), and pushes on renewal and CA rotation.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {X509Certificate, createPrivateKey} from 'node:crypto'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type * as Grpc from '@grpc/grpc-js'
import {loadSds, SECRET_TYPE_URL, type DiscoveryRequest} from '../../src/lib/workloadapi/sds/proto.js'
import {startWorkloadApiServer, type RunningWorkloadApiServer} from '../../src/lib/workloadapi/server.js'
import {REPO} from '../helpers/cli.js'
import {makeTrustDomainCa} from '../helpers/pki.js'
import {bundleOf, TestSource} from '../helpers/workload-source.js'

const ID = 'spiffe://example.org/svc/envoy'
const AS_OTHER_UID = {skip: process.getuid?.() === 0 ? false : 'needs root to start a client as uid 65534'}

interface Secret {
  '@type': string
  name: string
  tls_certificate?: {certificate_chain: {inline_bytes: Buffer}; private_key: {inline_bytes: Buffer}}
  validation_context?: {custom_validator_config: {name: string; typed_config: {'@type': string; trust_domains: {name: string; trust_bundle: {inline_bytes: Buffer}}[]}}}
}
interface Response {
  version_info: string
  nonce: string
  type_url: string
  resources: Secret[]
}

function request(names: string[], ack?: Response, error?: string): Partial<DiscoveryRequest> {
  return {
    node: {id: 'envoy-test', cluster: 'test'}, resource_names: names, type_url: SECRET_TYPE_URL,
    version_info: ack?.version_info ?? '', response_nonce: ack?.nonce ?? '',
    ...(error === undefined ? {} : {error_detail: {code: 3, message: error}}),
  }
}

/** A StreamSecrets call whose responses are read one at a time. */
function openStream(client: Grpc.Client & Record<string, (...a: unknown[]) => unknown>) {
  const call = client['StreamSecrets']!() as Grpc.ClientDuplexStream<Partial<DiscoveryRequest>, Response>
  const queue: Response[] = []
  const waiters: Array<(r: Response) => void> = []
  call.on('data', (r: Response) => {
    const waiter = waiters.shift()
    if (waiter) waiter(r)
    else queue.push(r)
  })
  call.on('error', () => undefined)
  return {
    send: (r: Partial<DiscoveryRequest>) => call.write(r),
    next: () => new Promise<Response>((resolve) => {
      const queued = queue.shift()
      if (queued) resolve(queued)
      else waiters.push(resolve)
    }),
    close: () => call.cancel(),
  }
}

describe('Envoy SDS v3 on the Workload API socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-sds-'))
  const socket = join(dir, 'workload.sock')
  let source: TestSource
  let server: RunningWorkloadApiServer
  let client: Grpc.Client & Record<string, (...a: unknown[]) => unknown>
  let grpc: typeof Grpc

  before(async () => {
    chmodSync(dir, 0o755)
    // Only root (the test process) is entitled: anyone else fails attestation for this identity.
    source = await TestSource.create(ID, (caller) => caller.workload?.unix?.uid === 0)
    const federated = await makeTrustDomainCa('federated.example')
    source.trust = {local: source.trust.local, federated: [bundleOf(federated, [])]}
    server = await startWorkloadApiServer({listen: `unix://${socket}`, source})
    grpc = await import('@grpc/grpc-js')
    const {Client} = await loadSds()
    client = new Client(`unix:${socket}`, grpc.credentials.createInsecure()) as typeof client
  })
  after(async () => {
    client?.close()
    await server?.close(100)
    rmSync(dir, {recursive: true, force: true})
  })

  const fetchSecrets = (names: string[]) => new Promise<Response>((resolve, reject) =>
    client['FetchSecrets']!(request(names), (err: Error | null, r: Response) => (err ? reject(err) : resolve(r))))

  it('default: the caller\'s SVID as a tls_certificate (PEM chain, PKCS#8 key inline)', async () => {
    const r = await fetchSecrets(['default'])
    assert.equal(r.resources.length, 1)
    const secret = r.resources[0]!
    assert.equal(secret['@type'], SECRET_TYPE_URL)
    assert.equal(secret.name, 'default')
    const chain = secret.tls_certificate!.certificate_chain.inline_bytes.toString()
    assert.equal(new X509Certificate(chain).raw.equals(Buffer.from(source.svid.chain[0]!)), true)
    const key = secret.tls_certificate!.private_key.inline_bytes.toString()
    assert.match(key, /^-----BEGIN PRIVATE KEY-----/)
    assert.ok(new X509Certificate(chain).checkPrivateKey(createPrivateKey(key)))
  })

  it('ROOTCA and ALL: the SPIFFE validator, ALL naming both trust domains; a trust domain or SPIFFE ID by name', async () => {
    const r = await fetchSecrets(['ROOTCA', 'ALL', 'spiffe://federated.example', ID])
    const [rootca, all, federated, byId] = r.resources
    for (const s of [rootca, all, federated]) {
      assert.equal(s?.validation_context?.custom_validator_config.name, 'envoy.tls.cert_validator.spiffe')
      assert.equal(s?.validation_context?.custom_validator_config.typed_config['@type'],
        'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig')
    }
    const domains = (s: Secret | undefined) => s?.validation_context?.custom_validator_config.typed_config.trust_domains.map((d) => d.name)
    assert.deepEqual(domains(rootca), ['example.org'])
    assert.deepEqual(domains(all), ['example.org', 'federated.example'])
    assert.deepEqual(domains(federated), ['federated.example'])
    const bundlePem = rootca!.validation_context!.custom_validator_config.typed_config.trust_domains[0]!.trust_bundle.inline_bytes.toString()
    assert.ok(new X509Certificate(bundlePem).raw.equals(source.ca.der))
    assert.equal(byId?.name, ID)
    assert.ok(byId?.tls_certificate !== undefined)
  })

  it('refuses an unknown name (InvalidArgument) and DeltaSecrets (Unimplemented)', async () => {
    await assert.rejects(fetchSecrets(['default', 'nope']), {code: grpc.status.INVALID_ARGUMENT, details: 'unknown resource names: [nope]'})
    const delta = client['DeltaSecrets']!() as Grpc.ClientDuplexStream<unknown, unknown>
    const err = await new Promise<Grpc.ServiceError>((resolve) => delta.on('error', resolve))
    assert.equal(err.code, grpc.status.UNIMPLEMENTED)
  })

  it('streams: ACK keeps quiet, renewal and rotation push, a NACK is not answered with the same secrets, stale nonces are ignored', async () => {
    const stream = openStream(client)
    try {
      stream.send(request(['default', 'ALL']))
      const first = await stream.next()
      assert.deepEqual(first.resources.map((s) => s.name), ['default', 'ALL'])
      assert.ok(first.nonce !== '' && first.version_info !== '')
      stream.send(request(['default', 'ALL'], first)) // ACK
      const serial = new X509Certificate(first.resources[0]!.tls_certificate!.certificate_chain.inline_bytes).serialNumber
      await source.rotate()
      const renewed = await stream.next()
      assert.notEqual(renewed.version_info, first.version_info)
      assert.notEqual(new X509Certificate(renewed.resources[0]!.tls_certificate!.certificate_chain.inline_bytes).serialNumber, serial)
      // NACK of the renewal, then a stale request (old nonce), then new names: the next message answers the names.
      // (A NACK carries the last version applied and the rejected response's nonce.)
      stream.send({...request(['default', 'ALL'], renewed, 'bad certificate'), version_info: first.version_info})
      stream.send(request(['default'], first)) // stale: answering it would send 'default'
      stream.send(request(['ROOTCA'], renewed))
      const names = await stream.next()
      assert.deepEqual(names.resources.map((s) => s.name), ['ROOTCA'])
      stream.send(request(['ROOTCA'], names))
      await source.rotate(true)
      const rotated = await stream.next()
      const pem = rotated.resources[0]!.validation_context!.custom_validator_config.typed_config.trust_domains[0]!.trust_bundle.inline_bytes
      assert.ok(new X509Certificate(pem).raw.equals(source.ca.der), 'the new CA is pushed')
    } finally {
      stream.close()
    }
  })

  it('PermissionDenied for a caller that fails attestation', AS_OTHER_UID, async () => {
    const script = join(dir, 'client.mjs')
    writeFileSync(script, `
const grpc = await import(${JSON.stringify(join(REPO, 'node_modules/@grpc/grpc-js/build/src/index.js'))})
const {loadSds} = await import(${JSON.stringify(join(REPO, 'dist/src/lib/workloadapi/sds/proto.js'))})
const {Client} = await loadSds()
const client = new Client('unix:${socket}', grpc.credentials.createInsecure())
client.FetchSecrets({resource_names: ['default'], type_url: '${SECRET_TYPE_URL}'}, (err, r) => {
  console.log(JSON.stringify(err ? {code: err.code, details: err.details} : {ok: r.resources.length}))
  client.close()
})`)
    const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, [script],
      {uid: 65534, gid: 65534, cwd: dir, timeout: 30_000}, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))))
    assert.deepEqual(JSON.parse(out), {code: grpc.status.PERMISSION_DENIED, details: 'workload did not pass attestation for any SVIDs'})
  })
})
