/**
 * Two workloads doing mutual TLS, one round at a time, with credentials read afresh each round: from
 * tbot's file outputs (svid.pem, svid_key.pem, svid_bundle.pem) or from the Workload API. A round
 * fails when the handshake fails either way; the failures are collected, not thrown.
 */
import {X509Certificate, createPrivateKey} from 'node:crypto'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {connect, createServer, type TLSSocket} from 'node:tls'
import type {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'

export interface TlsCredentials {
  readonly certPem: string
  readonly keyPem: string
  readonly caPem: string
}

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`

/**
 * An output directory's credentials. tbot replaces each file atomically but not the three together,
 * so a reader can catch a new certificate with the old key: it reads again then, as a workload
 * watching the files would.
 */
export async function readOutput(dir: string): Promise<TlsCredentials> {
  for (let attempt = 0; ; attempt++) {
    const [certPem, keyPem, caPem] = await Promise.all(['svid.pem', 'svid_key.pem', 'svid_bundle.pem'].map((f) => fs.readFile(join(dir, f), 'utf8')))
    if (new X509Certificate(certPem!).checkPrivateKey(createPrivateKey(keyPem!)) || attempt >= 5) return {certPem: certPem!, keyPem: keyPem!, caPem: caPem!}
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function fetchFromApi(client: WorkloadApiClient, trustDomain: string): Promise<TlsCredentials> {
  const context = await client.fetchX509Context()
  const svid = context.svids[0]!
  const bundle = context.bundles.get(trustDomain)
  if (bundle === undefined) throw new Error(`no bundle for ${trustDomain}`)
  return {
    certPem: svid.certificates.map((c) => pem(c.raw)).join(''),
    keyPem: svid.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    caPem: bundle.authorities.map((c) => pem(c.raw)).join(''),
  }
}

/** One handshake, `server` verifying `client` and back, with each side's own bundle. */
export async function mtlsRound(server: TlsCredentials, client: TlsCredentials): Promise<void> {
  const srv = createServer({cert: server.certPem, key: server.keyPem, ca: server.caPem, requestCert: true, rejectUnauthorized: true}, (s) => s.end('ok'))
  let serverError: Error | undefined
  srv.on('tlsClientError', (err) => (serverError = err))
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const {port} = srv.address() as {port: number}
  try {
    const socket: TLSSocket = connect({
      port, host: '127.0.0.1', cert: client.certPem, key: client.keyPem, ca: client.caPem,
      // SVIDs name a SPIFFE ID, not a host: the chain is what is checked here.
      checkServerIdentity: () => undefined,
    })
    await new Promise<void>((resolve, reject) => {
      let data = ''
      socket.setEncoding('utf8').on('data', (d: string) => (data += d))
      socket.on('end', () => (data === 'ok' ? resolve() : reject(serverError ?? new Error(`handshake ended without a reply (${data})`))))
      socket.on('error', (err) => reject(serverError ?? err))
    })
    socket.destroy()
  } finally {
    await new Promise((resolve) => srv.close(resolve))
  }
}

export interface RoundLoop {
  readonly rounds: () => number
  readonly failures: string[]
  stop(): Promise<void>
}

/** Runs `round` every `everyMs` until stopped; `label()` names the moment in failure reports. */
export function everyRound(round: () => Promise<void>, label: () => string, everyMs = 200): RoundLoop {
  const failures: string[] = []
  let rounds = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now()
      try {
        await round()
      } catch (err) {
        failures.push(`round ${rounds} (${label()}): ${(err as Error).message}`)
      }
      rounds++
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))))
    }
  })()
  return {rounds: () => rounds, failures, stop: async () => {
    stopped = true
    await loop
  }}
}
