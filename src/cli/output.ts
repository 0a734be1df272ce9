/**
 * Output for humans and scripts. Text tables look like Teleport's asciitable (header, a dashed rule,
 * rows; no borders), drawn with cli-table3; the header is bold where standard output takes colour
 * (colors.ts). JSON and YAML are the machine forms every command derives from its result (base.ts).
 */
import {createRequire} from 'node:module'
import type TableType from 'cli-table3'
import {stdout} from './colors.js'

export type OutputFormat = 'text' | 'json' | 'yaml'

/**
 * cli-table3 (about 3 MB and a dozen modules) is loaded on the first table, not by every command
 * that imports this file through base.ts: tbot's agent never draws one. CommonJS, so `require` keeps
 * renderTable synchronous.
 */
const requireTable = (): typeof TableType => createRequire(import.meta.url)('cli-table3') as typeof TableType

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
  'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const Table = requireTable()
  const table = new Table({chars: BORDERLESS, style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0}})
  // cli-table3 measures cells without their escape codes, so a coloured header keeps its width.
  const bold = stdout().bold
  table.push(headers.map((h) => bold(h)), widths.map((w) => '-'.repeat(w)), ...rows.map((r) => [...r]))
  return table.toString().split('\n').map((line) => line.trimEnd()).join('\n') + '\n'
}

/** Keys sorted at every level, as Teleport's YAML output has them (it marshals through a JSON map). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep)
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeysDeep(v)]))
  }
  return value
}

export async function toYamlDocuments(values: readonly unknown[]): Promise<string> {
  const {stringify} = await import('yaml')
  return values.map((v) => stringify(sortKeysDeep(v), {lineWidth: 0})).join('---\n')
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}

/**
 * The machine form of a command's result: JSON as JSON.stringify gives it (a result narrower for
 * machines than for its text view says so with toJSON), YAML from that same JSON value, one
 * document per element when it is a list.
 */
export async function machineText(result: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return toJson(result)
  const value: unknown = JSON.parse(JSON.stringify(result) ?? 'null')
  return toYamlDocuments(Array.isArray(value) ? value : [value])
}

/** A result whose text view needs more than scripts get: `toJSON` gives the machine form (JSON.stringify's protocol). */
export type WithMachineForm<T extends object, M> = T & {toJSON(): M}

export function withMachineForm<T extends object, M>(value: T, machine: M): WithMachineForm<T, M> {
  // Not enumerable: spreading or listing the result's fields does not pick it up.
  return Object.defineProperty({...value}, 'toJSON', {value: () => machine, enumerable: false}) as WithMachineForm<T, M>
}
