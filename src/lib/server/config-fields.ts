/**
 * Walking one untrusted YAML mapping of the server config. Every failure is an InputError naming the file
 * and the full field path (`teleport.yaml: proxy_service.https_keypairs[0].key_file: ...`); fields that
 * are not part of the schema are rejected by name, like Teleport's strict config decoder.
 */
import {InputError} from '../errors.js'

export class ConfigMapping {
  private readonly value: Readonly<Record<string, unknown>>

  constructor(value: unknown, readonly file: string, readonly path: string, allowed: readonly string[]) {
    if (!isMapping(value)) throw this.error('', `must be a mapping, got ${describe(value)}`)
    this.value = value
    const unknown = Object.keys(value).find((key) => !allowed.includes(key))
    if (unknown !== undefined) {
      throw this.error(unknown, `unknown field (supported here: ${allowed.join(', ')})`)
    }
  }

  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null
  }

  /** A nested mapping, or undefined when absent. */
  mapping(name: string, allowed: readonly string[]): ConfigMapping | undefined {
    return this.has(name) ? new ConfigMapping(this.value[name], this.file, this.fieldPath(name), allowed) : undefined
  }

  /** Each element of a list of mappings. */
  mappingList(name: string, allowed: readonly string[]): ConfigMapping[] {
    if (!this.has(name)) return []
    const list = this.value[name]
    if (!Array.isArray(list)) throw this.error(name, `must be a list, got ${describe(list)}`)
    return list.map((item, i) => new ConfigMapping(item, this.file, `${this.fieldPath(name)}[${i}]`, allowed))
  }

  string(name: string): string | undefined {
    if (!this.has(name)) return undefined
    const v = this.value[name]
    if (typeof v !== 'string') throw this.error(name, `must be a string, got ${describe(v)}`)
    if (v.trim() === '') throw this.error(name, 'must not be empty')
    return v
  }

  requiredString(name: string): string {
    const v = this.string(name)
    if (v === undefined) throw this.error(name, 'is required')
    return v
  }

  /** A string, or a list of strings (Teleport's `utils.Strings`). */
  stringOrList(name: string): string[] {
    if (!this.has(name)) return []
    const v = this.value[name]
    if (typeof v === 'string') return [this.requiredString(name)]
    if (!Array.isArray(v)) throw this.error(name, `must be a string or a list of strings, got ${describe(v)}`)
    return v.map((item, i) => {
      if (typeof item !== 'string' || item.trim() === '') throw this.error(`${name}[${i}]`, `must be a non-empty string, got ${describe(item)}`)
      return item
    })
  }

  /** Teleport's `enabled: yes|no|true|false|on|off` (its YAML is 1.1, where `yes` is a boolean). */
  flag(name: string): boolean | undefined {
    if (!this.has(name)) return undefined
    const v = this.value[name]
    if (typeof v === 'boolean') return v
    if (typeof v === 'string') {
      const word = v.trim().toLowerCase()
      if (['yes', 'true', 'on'].includes(word)) return true
      if (['no', 'false', 'off'].includes(word)) return false
    }
    throw this.error(name, `must be yes or no, got ${describe(v)}`)
  }

  fieldPath(name: string): string {
    if (name === '') return this.path
    return this.path === '' ? name : `${this.path}.${name}`
  }

  /** An InputError at a field of this mapping ('' = the mapping itself). */
  error(name: string, reason: string, cause?: unknown): InputError {
    return new InputError({file: this.file, field: this.fieldPath(name)}, reason, cause === undefined ? undefined : {cause})
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  return `${typeof value} ${String(value)}`
}
