/**
 * Reading one JSON object of the API (a request body on the server, a response on the client) into
 * typed values. Parse at the edge: every field is checked once here, unknown fields are refused, and
 * a failure is a BadParameterError naming the field (`selector.name: must be a string`).
 */
import {BadParameterError} from '../errors.js'

export type JsonRecord = Readonly<Record<string, unknown>>

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export class WireReader {
  private readonly record: JsonRecord

  /** `path` prefixes field names in messages ('' at the top). */
  constructor(value: unknown, readonly path: string, allowed: readonly string[]) {
    if (!isRecord(value)) throw new BadParameterError(`${path === '' ? 'the request body' : path}: must be a JSON object`)
    this.record = value
    const unknown = Object.keys(value).find((k) => !allowed.includes(k))
    if (unknown !== undefined) throw this.error(unknown, 'unknown field')
  }

  /** `path.name`; the object itself for ''. */
  field(name: string): string {
    if (name === '') return this.path === '' ? 'the request body' : this.path
    return this.path === '' ? name : `${this.path}.${name}`
  }

  error(name: string, reason: string): BadParameterError {
    return new BadParameterError(`${this.field(name)}: ${reason}`)
  }

  has(name: string): boolean {
    return this.record[name] !== undefined && this.record[name] !== null
  }

  raw(name: string): unknown {
    return this.record[name]
  }

  string(name: string): string {
    const v = this.record[name]
    if (typeof v !== 'string') throw this.error(name, this.has(name) ? 'must be a string' : 'is required')
    return v
  }

  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined
  }

  stringList(name: string): string[] {
    const v = this.record[name]
    if (!Array.isArray(v)) throw this.error(name, this.has(name) ? 'must be a list of strings' : 'is required')
    return v.map((item, i) => {
      if (typeof item !== 'string') throw this.error(`${name}[${i}]`, 'must be a string')
      return item
    })
  }

  optionalStringList(name: string): string[] | undefined {
    return this.has(name) ? this.stringList(name) : undefined
  }

  boolean(name: string, fallback: boolean): boolean {
    if (!this.has(name)) return fallback
    const v = this.record[name]
    if (typeof v !== 'boolean') throw this.error(name, 'must be true or false')
    return v
  }

  /** A non-negative safe integer (milliseconds, counts). */
  optionalCount(name: string): number | undefined {
    if (!this.has(name)) return undefined
    const v = this.record[name]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.error(name, 'must be a non-negative integer')
    return v
  }

  count(name: string): number {
    const v = this.optionalCount(name)
    if (v === undefined) throw this.error(name, 'is required')
    return v
  }

  /** Standard base64 (with padding) → bytes. */
  bytes(name: string): Buffer {
    const v = this.string(name)
    if (!BASE64.test(v)) throw this.error(name, 'must be standard base64')
    return Buffer.from(v, 'base64')
  }

  bytesList(name: string): Buffer[] {
    return this.list(name).map((item, i) => {
      if (typeof item !== 'string' || !BASE64.test(item)) throw this.error(`${name}[${i}]`, 'must be standard base64')
      return Buffer.from(item, 'base64')
    })
  }

  /** `{key: [values]}`, e.g. label selectors. */
  stringListMap(name: string): Record<string, string[]> {
    const inner = this.record[name]
    if (!isRecord(inner)) throw this.error(name, this.has(name) ? 'must map names to lists of strings' : 'is required')
    const out: Record<string, string[]> = {}
    for (const key of Object.keys(inner)) {
      if (key === '__proto__') throw this.error(name, 'invalid key "__proto__"')
      out[key] = new WireReader(inner, this.field(name), Object.keys(inner)).stringList(key)
    }
    return out
  }

  date(name: string): Date {
    const v = this.string(name)
    const d = new Date(v)
    if (Number.isNaN(d.getTime())) throw this.error(name, 'must be an RFC 3339 time')
    return d
  }

  object(name: string, allowed: readonly string[]): WireReader {
    return new WireReader(this.record[name], this.field(name), allowed)
  }

  list(name: string): readonly unknown[] {
    const v = this.record[name]
    if (!Array.isArray(v)) throw this.error(name, this.has(name) ? 'must be a list' : 'is required')
    return v
  }
}
