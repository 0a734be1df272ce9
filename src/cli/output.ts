/**
 * Output for humans and scripts. Text tables look like Teleport's asciitable (header, a dashed rule,
 * rows; no borders), drawn with cli-table3. Colour only on a TTY and never with NO_COLOR.
 */
import Table from 'cli-table3'

export type OutputFormat = 'text' | 'json' | 'yaml'

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true
}

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
  'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const table = new Table({chars: BORDERLESS, style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0}})
  table.push([...headers], widths.map((w) => '-'.repeat(w)), ...rows.map((r) => [...r]))
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
