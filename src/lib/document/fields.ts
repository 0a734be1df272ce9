/**
 * The one reader of decoded input (resource files, tbot's and the server's configs, the API's JSON
 * bodies): field by field, keeping the path of every value so that each failure is one InputError
 * naming it, `wi.yaml: document 2: spec.rules.allow[0].conditions[1].attribute: must be non-empty`.
 * Null counts as absent, as protojson and Go's YAML decoders treat it. Each fault has one wording:
 *
 *   wrong type          `must be a string, got a list` (never the value itself: a field may hold a secret)
 *   absent              `is required` (empty too, where a value is needed)
 *   present but empty   `must not be empty`
 *   not in the schema   `unknown field "x"` / `unknown fields "x", "y"`, with an optional hint in parentheses
 */
import {BadParameterError} from '../errors.js'
import {parseDuration} from '../duration.js'
import {
  fail, failType, failUnknownFields, fieldPlace, isAbsent, isPlainObject, itemPlace, scalarText, type Place, type UnknownFieldHint,
} from './place.js'

export type {UnknownFieldHint} from './place.js'

export interface ListItem {
  readonly value: unknown
  readonly place: Place
}

export interface DurationOptions {
  /** Refuse zero too (`must be positive`); by default only negative durations are refused. */
  readonly positive?: boolean
}

/** The fields of one mapping in the input. */
export class FieldReader {
  private readonly read = new Set<string>()

  private constructor(readonly value: Readonly<Record<string, unknown>>, readonly place: Place) {}

  /** A required mapping; with `known`, any other key is an `unknown field` error. */
  static of(value: unknown, place: Place, known?: readonly string[], hint?: UnknownFieldHint): FieldReader {
    if (!isPlainObject(value)) return failType(place, 'a mapping', value)
    const reader = new FieldReader(value, place)
    if (known !== undefined) reader.rejectUnknown(known, hint)
    return reader
  }

  /** Fails on every key not in `known`. */
  rejectUnknown(known: readonly string[], hint?: UnknownFieldHint): void {
    failUnknownFields(this.place, this.keys().filter((key) => !known.includes(key)), hint)
  }

  /** Fails on every key nobody read: typos, or settings this program does not support. */
  done(hint?: UnknownFieldHint): void {
    failUnknownFields(this.place, this.keys().filter((key) => !this.read.has(key)), hint)
  }

  keys(): string[] {
    return Object.keys(this.value)
  }

  at(key: string): Place {
    return fieldPlace(this.place, key)
  }

  /** The raw value, undefined when absent or null; the key counts as read. */
  get(key: string): unknown {
    this.read.add(key)
    if (!Object.hasOwn(this.value, key)) return undefined
    const value = this.value[key]
    return value === null ? undefined : value
  }

  has(key: string): boolean {
    return Object.hasOwn(this.value, key) && !isAbsent(this.value[key])
  }

  /** The same fields, where absence is an `is required` failure. */
  get required(): RequiredFields {
    return new RequiredFields(this)
  }

  string(key: string): string | undefined {
    const value = this.get(key)
    return value === undefined || typeof value === 'string' ? value : failType(this.at(key), 'a string', value)
  }

  /** A string that must be present and non-empty. */
  requiredString(key: string): string {
    const value = this.string(key)
    return value === undefined || value === '' ? fail(this.at(key), 'is required') : value
  }

  /** A string that may be absent but, when present, must not be empty. */
  nonEmptyString(key: string): string | undefined {
    const value = this.string(key)
    return value === '' ? fail(this.at(key), 'must not be empty') : value
  }

  /** A scalar as text (see scalarText). */
  text(key: string): string | undefined {
    const value = this.get(key)
    return value === undefined ? undefined : scalarText(value, this.at(key))
  }

  boolean(key: string): boolean | undefined {
    const value = this.get(key)
    return value === undefined || typeof value === 'boolean' ? value : failType(this.at(key), 'true or false', value)
  }

  integer(key: string): number | undefined {
    const value = this.get(key)
    return value === undefined || Number.isSafeInteger(value) ? (value as number | undefined) : failType(this.at(key), 'an integer', value)
  }

  /** A non-negative integer (a count, milliseconds). */
  count(key: string): number | undefined {
    const value = this.get(key)
    if (value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0)) return value as number | undefined
    return failType(this.at(key), 'a non-negative integer', value)
  }

  /** A duration in milliseconds: Go syntax (`1h30m`), protojson (`3600s`) or a number of seconds. */
  duration(key: string, options: DurationOptions = {}): number | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (typeof value !== 'string' && typeof value !== 'number') return failType(this.at(key), 'a duration such as "1h" or "3600s"', value)
    let ms: number
    try {
      ms = parseDuration(value)
    } catch (err) {
      if (err instanceof BadParameterError) return fail(this.at(key), err.message)
      throw err
    }
    if (options.positive === true && ms <= 0) return fail(this.at(key), 'must be positive')
    return ms < 0 ? fail(this.at(key), 'must not be negative') : ms
  }

  mapping(key: string, known?: readonly string[], hint?: UnknownFieldHint): FieldReader | undefined {
    const value = this.get(key)
    return value === undefined ? undefined : FieldReader.of(value, this.at(key), known, hint)
  }

  list(key: string): ListItem[] | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    const place = this.at(key)
    if (!Array.isArray(value)) return failType(place, 'a list', value)
    return value.map((item: unknown, i) => ({value: item, place: itemPlace(place, i)}))
  }

  stringList(key: string): string[] | undefined {
    return this.list(key)?.map(({value, place}) => (typeof value === 'string' ? value : failType(place, 'a string', value)))
  }

  /** A list of scalars as text (see scalarText). */
  textList(key: string): string[] | undefined {
    return this.list(key)?.map(({value, place}) => scalarText(value, place))
  }
}

/** The fields of a FieldReader that must be present (any value of the type, even empty). */
export class RequiredFields {
  constructor(private readonly reader: FieldReader) {}

  string(key: string): string {
    return this.present(key, this.reader.string(key))
  }

  boolean(key: string): boolean {
    return this.present(key, this.reader.boolean(key))
  }

  count(key: string): number {
    return this.present(key, this.reader.count(key))
  }

  list(key: string): ListItem[] {
    return this.present(key, this.reader.list(key))
  }

  stringList(key: string): string[] {
    return this.present(key, this.reader.stringList(key))
  }

  mapping(key: string, known?: readonly string[]): FieldReader {
    return this.present(key, this.reader.mapping(key, known))
  }

  private present<T>(key: string, value: T | undefined): T {
    return value === undefined ? fail(this.reader.at(key), 'is required') : value
  }
}

/** A hint from a fixed table, by own keys only (`constructor` must not find Object's). */
export function hintFrom(table: Readonly<Record<string, string>>): UnknownFieldHint {
  return (field) => (Object.hasOwn(table, field) ? table[field] : undefined)
}
