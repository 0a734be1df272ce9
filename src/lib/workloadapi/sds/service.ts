/**
 * `envoy.service.secret.v3.SecretDiscoveryService` on the Workload API's socket (Teleport's tbot
 * serves it beside the Workload API on one listener): the same connections, attestation, per-caller
 * rate limits and process pinning as the Workload API; no `workload.spiffe.io` header, which Envoy
 * does not send. StreamSecrets and FetchSecrets are served; DeltaSecrets (incremental xDS) answers
 * Unimplemented, as Teleport's and SPIRE's agents do: Envoy's SDS client uses the state-of-the-world
 * StreamSecrets unless configured for delta.
 */
import type * as Grpc from '@grpc/grpc-js'
import {SvidkitError} from '../../errors.js'
import type {Logger} from '../../log.js'
import type {WorkloadCaller, WorkloadIdentitySource} from '../source.js'
import type {AnySecret, DiscoveryRequest, DiscoveryResponse} from './proto.js'
import {needsSvids, secretsFor} from './secrets.js'
import {SdsStream, secretsVersion} from './stream.js'

type Call = {getPeer(): string}

/** What the SDS handlers need from the Workload API server that hosts them. */
export interface SdsHost {
  readonly source: WorkloadIdentitySource
  readonly log: Logger
  /** Rate limit and process check for a new call (throws). */
  admit(call: Call): void
  callerOf(call: Call): Promise<WorkloadCaller>
  /** Throws when the call's process changed since it connected; run before every write. */
  verifyCaller(call: Call): void
  callStarted(call: Call): () => void
  statusFor(method: string, err: unknown): Grpc.ServiceError
  /** Registers an open stream so server shutdown can end it; returns the deregistration. */
  track(call: Grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>, close: () => void): () => void
}

async function callerSecrets(host: SdsHost, caller: WorkloadCaller, names: readonly string[]): Promise<AnySecret[]> {
  const bundles = host.source.bundles()
  const svids = needsSvids(names, bundles) ? await host.source.x509Svids(caller) : []
  return secretsFor(names, bundles, svids)
}

export function sdsImplementation(host: SdsHost): Grpc.UntypedServiceImplementation {
  return {
    StreamSecrets: (call: Grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => streamSecrets(host, call),
    FetchSecrets: (call: Grpc.ServerUnaryCall<DiscoveryRequest, DiscoveryResponse>, callback: Grpc.sendUnaryData<DiscoveryResponse>) => {
      const ended = host.callStarted(call)
      const run = async (): Promise<DiscoveryResponse> => {
        host.admit(call)
        const resources = await callerSecrets(host, await host.callerOf(call), call.request.resource_names)
        host.verifyCaller(call)
        return {version_info: secretsVersion(resources), resources, type_url: call.request.type_url, nonce: ''}
      }
      run().finally(ended).then((reply) => callback(null, reply), (err: unknown) => callback(host.statusFor('FetchSecrets', err)))
    },
    DeltaSecrets: (call: Grpc.ServerDuplexStream<unknown, unknown>) => {
      const status = host.statusFor('DeltaSecrets', new SvidkitError('NOT_IMPLEMENTED', 'method not implemented'))
      call.emit('error', {...status, message: status.details})
    },
  }
}

function streamSecrets(host: SdsHost, call: Grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
  const fail = (err: unknown): void => {
    const status = host.statusFor('StreamSecrets', err)
    call.emit('error', {...status, message: status.details})
  }
  try {
    host.admit(call)
  } catch (err) {
    fail(err)
    return
  }
  const ended = host.callStarted(call)
  const log = host.log.with({stream: 'StreamSecrets'})
  const caller = host.callerOf(call)
  const stream = new SdsStream({
    secrets: async (names) => callerSecrets(host, await caller, names),
    write: (response) => {
      host.verifyCaller(call)
      call.write(response)
    },
    fail: (err) => {
      stop()
      fail(err)
    },
    log,
  })
  const unsubscribe = host.source.subscribe(() => stream.onChange())
  const untrack = host.track(call, () => stop())
  let stopped = false
  function stop(): void {
    if (stopped) return
    stopped = true
    stream.close()
    unsubscribe()
    untrack()
    ended()
  }
  call.on('data', (request: DiscoveryRequest) => stream.onRequest(request))
  call.on('end', () => {
    stop()
    call.end()
  })
  call.on('cancelled', stop)
  call.on('close', stop)
  call.on('error', stop)
}
