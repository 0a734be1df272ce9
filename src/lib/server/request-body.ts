/**
 * Reading a request body with a size limit and a deadline, then parsing it as JSON. A body over the limit
 * is refused as soon as it is known to be (from Content-Length, or while counting a chunked body), so
 * the handler never runs; a client that stops sending is cut off at the deadline.
 */
import type {IncomingMessage} from 'node:http'
import {BadParameterError, LimitExceededError, SvidkitError} from '../errors.js'

export interface BodyLimits {
  readonly maxBodyBytes: number
  readonly bodyTimeoutMs: number
}

/** The body did not arrive in time. Status 408; the code stays BAD_PARAMETER for the client. */
export class BodyTimeoutError extends SvidkitError {
  constructor(timeoutMs: number) {
    super('BAD_PARAMETER', `the request body was not received within ${timeoutMs} ms`)
  }

  override get status(): number {
    return 408
  }
}

export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const raw = await readBody(req, limits)
  if (raw.length === 0) return undefined
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw new BadParameterError(`unsupported content type "${type}"; send application/json`)
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown
  } catch (err) {
    throw new BadParameterError(`request body is not valid JSON: ${(err as Error).message}`)
  }
}

function tooLarge(limit: number): LimitExceededError {
  return new LimitExceededError(`request body exceeds the limit of ${limit} bytes`)
}

function readBody(req: IncomingMessage, {maxBodyBytes, bodyTimeoutMs}: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBodyBytes) return Promise.reject(tooLarge(maxBodyBytes))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (err: Error | undefined): void => {
      clearTimeout(timer)
      req.removeListener('data', onData)
      req.removeListener('end', onEnd)
      req.removeListener('error', onError)
      req.removeListener('aborted', onAborted)
      if (err !== undefined) {
        req.pause()
        reject(err)
      } else {
        resolve(Buffer.concat(chunks, size))
      }
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBodyBytes) return finish(tooLarge(maxBodyBytes))
      chunks.push(chunk)
    }
    const onEnd = (): void => finish(undefined)
    const onError = (err: Error): void => finish(err)
    const onAborted = (): void => finish(new BadParameterError('the client aborted the request'))
    const timer = setTimeout(() => finish(new BodyTimeoutError(bodyTimeoutMs)), bodyTimeoutMs)
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('error', onError)
    req.once('aborted', onAborted)
  })
}
