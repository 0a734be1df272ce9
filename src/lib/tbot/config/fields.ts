/**
 * Reading one untrusted YAML mapping field by field. Every error is an InputError naming the file
 * and the field path (`tbot.yaml: services[0].selector: …`); `done()` rejects fields nobody read, as
 * Teleport's decoder does with KnownFields(true).
 */
import {InputError} from '../../errors.js'
import {parseDuration} from '../../duration.js'

export class FieldReader {
  private readonly seen = new Set<string>()
  private readonly value: Readonly<Record<string, unknown>>

  constructor(value: unknown, readonly file: string, readonly path: string) {
    if (!isMapping(value)) throw this.error(path, `must be a mapping, got ${describeType(value)}`)
    this.value = value
  }

  /** The path of a field of this mapping: `services[0]` + `selector` → `services[0].selector`. */
  fieldPath(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`
  }

  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null
  }

  raw(name: string): unknown {
    this.seen.add(name)
    const v = this.value[name]
    return v === null ? undefined : v
  }

  string(name: string): string | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    throw this.error(this.fieldPath(name), `must be a string, got ${describeType(v)}`)
  }

  requiredString(name: string): string {
    const v = this.string(name)
    if (v === undefined || v.trim() === '') throw this.error(this.fieldPath(name), 'should not be empty')
    return v
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    if (typeof v === 'boolean') return v
    throw this.error(this.fieldPath(name), `must be true or false, got ${describeType(v)}`)
  }

  integer(name: string): number | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v
    throw this.error(this.fieldPath(name), `must be an integer, got ${describeType(v)}`)
  }

  /** A Go duration (`20m`, `1h30m`) or a number of seconds, in milliseconds; must be positive. */
  duration(name: string): number | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    let ms: number
    try {
      ms = parseDurationValue(v)
    } catch (err) {
      throw this.error(this.fieldPath(name), err instanceof Error ? err.message : String(err))
    }
    if (ms <= 0) throw this.error(this.fieldPath(name), 'must be positive')
    return ms
  }

  stringList(name: string): string[] | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw this.error(this.fieldPath(name), `must be a list, got ${describeType(v)}`)
    return v.map((item, i) => {
      if (typeof item === 'string') return item
      if (typeof item === 'number' || typeof item === 'boolean') return String(item)
      throw this.error(`${this.fieldPath(name)}[${i}]`, `must be a string, got ${describeType(item)}`)
    })
  }

  mapping(name: string): FieldReader | undefined {
    const v = this.raw(name)
    return v === undefined ? undefined : new FieldReader(v, this.file, this.fieldPath(name))
  }

  list(name: string): unknown[] | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw this.error(this.fieldPath(name), `must be a list, got ${describeType(v)}`)
    return v
  }

  /** The keys of this mapping, for maps with user-chosen keys (labels). */
  keys(): string[] {
    return Object.keys(this.value)
  }

  /** Reject every field that was not read: they are typos or settings we do not support. */
  done(hints: Readonly<Record<string, string>> = {}): void {
    const unknown = Object.keys(this.value).filter((k) => !this.seen.has(k))
    if (unknown.length === 0) return
    const names = unknown.map((k) => JSON.stringify(k)).join(', ')
    const hint = unknown.map((k) => hints[k]).find((h) => h !== undefined)
    const reason = `unknown field${unknown.length > 1 ? 's' : ''} ${names}` + (hint !== undefined ? ` (${hint})` : '')
    throw this.error(this.path, reason)
  }

  error(field: string, reason: string): InputError {
    return new InputError({file: this.file, field}, reason)
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  return `${typeof value} ${String(value)}`
}

function parseDurationValue(value: unknown): number {
  if (typeof value === 'string' || typeof value === 'number') return parseDuration(value)
  throw new TypeError(`must be a duration such as 20m or 1h, got ${describeType(value)}`)
}
