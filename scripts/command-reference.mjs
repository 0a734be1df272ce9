#!/usr/bin/env node
// README's command reference, generated from the commands themselves (each oclif root's manifest,
// as `oclif readme` does): `node scripts/command-reference.mjs` rewrites the section between the
// markers; `--check` only compares and exits 1 when README.md is stale (a test runs it in CI).
// Needs a build (the manifests are written by scripts/build.mjs).
import {readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const README = join(root, 'README.md')
const START = '<!-- commands -->'
const STOP = '<!-- commandsstop -->'
const BINS = ['tctl', 'tbot', 'teleport']

const escapeCell = (text) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

function argText(name, arg) {
  const shown = name.toUpperCase()
  return arg.required ? shown : `[${shown}]`
}

function flagName(name, flag) {
  const long = `--${name}${flag.type === 'option' ? ' <value>' : ''}`
  return flag.char ? `-${flag.char}, ${long}` : long
}

function flagNotes(flag) {
  const notes = []
  if (flag.required) notes.push('required')
  if (flag.options) notes.push(`one of: ${flag.options.join(', ')}`)
  if (flag.default !== undefined && flag.default !== false && flag.default !== '' && typeof flag.default !== 'function') notes.push(`default: ${flag.default}`)
  if (flag.multiple) notes.push('repeatable')
  if (flag.env) notes.push(`env: ${flag.env}`)
  return notes.length > 0 ? ` (${notes.join('; ')})` : ''
}

function flagTable(flags) {
  const rows = flags.map(([name, flag]) => `| \`${flagName(name, flag)}\` | ${escapeCell((flag.summary ?? flag.description ?? '') + flagNotes(flag))} |`)
  return ['| flag | |', '|---|---|', ...rows, '']
}

/** Flags most of a binary's commands share, shown once under its heading rather than in every table. */
function sharedFlags(commands) {
  const seen = new Map()
  for (const c of commands) for (const [name, flag] of Object.entries(c.flags ?? {})) {
    if (flag.hidden) continue
    const entry = seen.get(name) ?? {flag, count: 0}
    entry.count++
    seen.set(name, entry)
  }
  return [...seen].filter(([, e]) => e.count * 2 > commands.length).map(([name, e]) => [name, e.flag]).sort(([a], [b]) => a.localeCompare(b))
}

function commandSection(bin, command, shared) {
  const words = command.id.replaceAll(':', ' ')
  const args = Object.entries(command.args ?? {}).map(([name, arg]) => ` ${argText(name, arg)}`).join('')
  const lines = [`#### \`${bin} ${words}${args}\``, '', (command.summary ?? command.description ?? '').trim(), '']
  if ((command.aliases ?? []).length > 0) lines.push(`Aliases: ${command.aliases.map((a) => `\`${bin} ${a.replaceAll(':', ' ')}\``).join(', ')}`, '')
  const own = Object.entries(command.flags ?? {}).filter(([name, f]) => !f.hidden && !shared.has(name)).sort(([a], [b]) => a.localeCompare(b))
  const sharing = Object.keys(command.flags ?? {}).filter((name) => shared.has(name)).sort()
  if (own.length > 0) lines.push(...flagTable(own))
  if (sharing.length === 0 && shared.size > 0) lines.push('Takes none of the shared flags.', '')
  else if (sharing.length < shared.size) lines.push(`Of the shared flags: ${sharing.map((n) => `\`--${n}\``).join(', ')}.`, '')
  return lines.join('\n')
}

async function reference() {
  const parts = []
  for (const bin of BINS) {
    const config = await Config.load(join(root, 'clis', bin, 'package.json'))
    const commands = config.commands
      .filter((c) => !c.hidden && !(c.aliases ?? []).includes(c.id))
      .sort((a, b) => a.id.localeCompare(b.id))
    const shared = sharedFlags(commands)
    const intro = shared.length > 0 ? ['Flags most commands take (the exceptions list the ones they take):', '', ...flagTable(shared)] : []
    parts.push(`### ${bin}`, '', ...intro, ...commands.map((c) => commandSection(bin, c, new Set(shared.map(([n]) => n)))))
  }
  return parts.join('\n').trimEnd()
}

const text = readFileSync(README, 'utf8')
const start = text.indexOf(START)
const stop = text.indexOf(STOP)
if (start === -1 || stop < start) {
  console.error(`README.md: the markers ${START} and ${STOP} are missing`)
  process.exit(1)
}
const next = `${text.slice(0, start + START.length)}\n${await reference()}\n${text.slice(stop)}`
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('README.md: the command reference is out of date; run "node scripts/command-reference.mjs" after "npm run build"')
    process.exit(1)
  }
} else {
  writeFileSync(README, next)
}
