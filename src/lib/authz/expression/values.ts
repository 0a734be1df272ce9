/**
 * Runtime values of the predicate language and their Go type names. Teleport's typing is Go's, and
 * its messages name Go types (`expected type int, got value (a) with type (string)`), so each value
 * knows which Go type it stands for: string → string, int → bigint, uint64 → Uint64, bool →
 * boolean, float64 → number, expression.Set → StringSet, option → Option, []string → string[].
 */

/** Go `uint64` (Teleport exposes uint32 proto fields, like `workload.unix.uid`, as uint64). */
export class Uint64 {
  constructor(readonly value: bigint) {}
  toString(): string {
    return this.value.toString()
  }
}

/** Teleport's `expression.Set`: an unordered set of strings (we keep insertion order). */
export class StringSet {
  readonly items: readonly string[]
  constructor(items: Iterable<string>) {
    this.items = [...new Set(items)]
  }
  has(item: string): boolean {
    return this.items.includes(item)
  }
}

/** Teleport's `option(cond, value)`, the argument type of `choose`. */
export class Option {
  constructor(
    readonly condition: boolean,
    readonly value: Value,
  ) {}
}

export type Value = string | bigint | boolean | number | Uint64 | StringSet | Option | readonly string[] | StringListMap

/** `map[string][]string` (label expressions' `user.spec.traits`). */
export class StringListMap {
  constructor(readonly entries: Readonly<Record<string, readonly string[]>>) {}
}

/** Go type names used in messages and in type checks. */
export const T = {
  string: 'string',
  int: 'int',
  uint64: 'uint64',
  bool: 'bool',
  float64: 'float64',
  set: 'expression.Set',
  option: 'expression.option',
  any: 'interface {}',
  remover: 'expression.remover',
  stringList: '[]string',
  stringMap: 'map[string]string',
  stringListMap: 'map[string][]string',
} as const

export type TypeName = (typeof T)[keyof typeof T]

export function goTypeOf(v: Value): TypeName {
  if (typeof v === 'string') return T.string
  if (typeof v === 'bigint') return T.int
  if (typeof v === 'boolean') return T.bool
  if (typeof v === 'number') return T.float64
  if (v instanceof Uint64) return T.uint64
  if (v instanceof StringSet) return T.set
  if (v instanceof Option) return T.option
  if (v instanceof StringListMap) return T.stringListMap
  return T.stringList
}

/** Does a value of type `actual` satisfy the Go interface `target`? */
export function implementsInterface(target: TypeName, actual: TypeName): boolean {
  if (target === T.any) return true
  return target === T.remover && actual === T.set
}

export function isInterface(t: TypeName): boolean {
  return t === T.any || t === T.remover
}

/** Go `%+v` of a value, as it appears in type errors. */
export function formatValue(v: Value): string {
  if (v instanceof StringSet) return `{s:map[${[...v.items].sort().map((i) => `${i}:{}`).join(' ')}]}`
  if (v instanceof Option) return `{condition:${v.condition} value:${formatValue(v.value)}}`
  if (v instanceof StringListMap) {
    return `map[${Object.keys(v.entries).sort().map((k) => `${k}:[${(v.entries[k] ?? []).join(' ')}]`).join(' ')}]`
  }
  if (Array.isArray(v)) return `[${v.join(' ')}]`
  return String(v)
}
