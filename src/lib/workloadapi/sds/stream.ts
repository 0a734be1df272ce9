/**
 * One StreamSecrets stream's state, per the xDS protocol (envoy api/envoy/service/discovery/v3/
 * discovery.proto; docs "xDS REST and gRPC protocol", ACK and NACK): every response carries a
 * version (a digest of its secrets, so equal content gives an equal version) and a fresh nonce.
 *
 * - A request whose response_nonce is not the last response's is stale (sent before Envoy saw that
 *   response) and ignored, as Teleport's and SPIRE's handlers do.
 * - An ACK (same nonce, no error_detail) or a NACK (error_detail set: Envoy could not apply the
 *   response, and keeps the previous version) with the same resource names needs no answer; a NACK
 *   is logged and the rejected content is not sent again, so a bad secret cannot loop. New names
 *   get a response at once.
 * - On every change from the source (renewal, CA rotation, federation) the secrets are recomputed
 *   and pushed when they differ from the last response; one computation at a time, never a lost
 *   update (as the Workload API's StreamHub).
 */
import {createHash, randomBytes} from 'node:crypto'
import type {Logger} from '../../log.js'
import {SECRET_TYPE_URL, type AnySecret, type DiscoveryRequest, type DiscoveryResponse} from './proto.js'

export interface SdsStreamDeps {
  /** The secrets for these resource names, for this stream's caller. */
  secrets(names: readonly string[]): Promise<AnySecret[]>
  write(response: DiscoveryResponse): void
  fail(err: unknown): void
  readonly log: Logger
}

export class SdsStream {
  private request: DiscoveryRequest | undefined
  private sent: {readonly nonce: string; readonly version: string; readonly names: readonly string[]} | undefined
  private running = false
  private pending = false
  private closed = false

  constructor(private readonly deps: SdsStreamDeps) {}

  onRequest(request: DiscoveryRequest): void {
    const {log} = this.deps
    log.debug('Received StreamSecrets DiscoveryRequest', {
      resource_names: request.resource_names, version_info: request.version_info, response_nonce: request.response_nonce,
      node_id: request.node?.id ?? '',
    })
    if (this.sent !== undefined) {
      if (request.response_nonce !== this.sent.nonce) {
        log.debug('Envoy sent a nonce which does not match the last response, ignoring request', {want: this.sent.nonce, got: request.response_nonce})
        return
      }
      if (request.error_detail !== null && request.error_detail !== undefined) {
        log.warn('Envoy was unable to apply previous discovery response', {error: request.error_detail.message, version: this.sent.version})
      }
      const sameNames = sameSet(this.request?.resource_names ?? [], request.resource_names)
      this.request = request
      if (sameNames) return
    }
    this.request = request
    this.refresh()
  }

  /** The source changed: recompute, and push if the secrets differ. */
  onChange(): void {
    if (this.request !== undefined) this.refresh()
  }

  close(): void {
    this.closed = true
  }

  private refresh(): void {
    this.pending = true
    if (!this.running) void this.run()
  }

  private async run(): Promise<void> {
    this.running = true
    try {
      while (this.pending && !this.closed) {
        this.pending = false
        await this.respond()
      }
    } catch (err) {
      this.closed = true
      this.deps.fail(err)
    } finally {
      this.running = false
    }
  }

  private async respond(): Promise<void> {
    const request = this.request as DiscoveryRequest
    const names = request.resource_names
    const resources = await this.deps.secrets(names)
    if (this.closed) return
    const version = secretsVersion(resources)
    if (this.sent !== undefined && this.sent.version === version && sameSet(this.sent.names, names)) return
    const nonce = randomBytes(8).toString('hex')
    this.deps.write({version_info: version, resources, type_url: request.type_url || SECRET_TYPE_URL, nonce})
    this.sent = {nonce, version, names}
    this.deps.log.debug('Sent StreamSecrets DiscoveryResponse', {resources_len: resources.length, nonce, version_info: version})
  }
}

/** A digest of the secrets: equal content, equal version (bytes hashed as bytes). */
export function secretsVersion(secrets: readonly AnySecret[]): string {
  const text = JSON.stringify(secrets, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && (value as {type?: unknown}).type === 'Buffer' && Array.isArray((value as {data?: unknown}).data)
      ? Buffer.from((value as {data: number[]}).data).toString('base64') : value)
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a)
  const right = new Set(b)
  return left.size === right.size && [...left].every((n) => right.has(n))
}
