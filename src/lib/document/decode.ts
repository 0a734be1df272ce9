/**
 * The one decoder of YAML and JSON text the product reads: `tctl create`'s resource streams, tbot's
 * config, the server's teleport.yaml. A stream is `---`-separated YAML documents or JSON objects one
 * after another (Teleport's tctl reads both); a config file is one document. Values come out plain
 * (strings, finite numbers, booleans, null, lists, plain mappings) under the YAML 1.2 core schema, so
 * `yes` and timestamps stay strings and no tag builds an object. Hostile input is bounded before the
 * parser sees it or while it composes: size, NUL bytes, nesting depth, alias expansion, duplicate and
 * non-scalar keys (yaml-guards.ts). Every failure is one InputError line naming the file, the
 * document when there are several, and the line and column.
 */
import {Composer, Parser, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions} from 'yaml'
import {InputError} from '../errors.js'
import {MAX_YAML_NESTING, findCstNestingExcess, findKeyProblem, findLexicalNestingExcess} from './yaml-guards.js'

export {MAX_YAML_NESTING} from './yaml-guards.js'

export interface DecodedDocument {
  /** 1-based, counting non-empty documents in the order the user wrote them. */
  readonly index: number
  readonly value: unknown
}

/** 4 MiB: far above any resource file or config, small enough that parsing stays quick. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

/** Teleport's decoder applies no such cap; a billion-laughs document must not expand. */
export const MAX_ALIAS_COUNT = 100

const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2', // core schema: `yes`, `on` and timestamps stay strings
  prettyErrors: false,
  uniqueKeys: false, // checked in one pass by findKeyProblem instead
  resolveKnownTags: false, // `!!binary` stays a string, never a Buffer
  logLevel: 'error', // no process warnings on stderr
}

interface Segment {
  readonly text: string
  /** Where the segment starts in the whole input, for line numbers. */
  readonly offset: number
}

/** Every non-empty document of a stream, in order (none at all is an empty list). */
export function decodeDocuments(text: string, file: string): DecodedDocument[] {
  return decodeStream(text, file, true)
}

/**
 * The one document of a config file: undefined when the file holds none (empty, or only comments),
 * an error when it holds more than one.
 */
export function decodeDocument(text: string, file: string): unknown {
  const documents = decodeStream(text, file, false)
  if (documents.length > 1) {
    throw new InputError({file}, `holds ${documents.length} YAML documents; a config file holds one`)
  }
  return documents[0]?.value
}

function decodeStream(text: string, file: string, numbered: boolean): DecodedDocument[] {
  const source = checkText(text.startsWith('\uFEFF') ? text.slice(1) : text, file)
  const documents: DecodedDocument[] = []
  for (const segment of splitJsonStream(source) ?? [{text: source, offset: 0}]) {
    decodeSegment(source, segment, file, numbered, documents)
  }
  return documents
}

/** Bounded, and text: NUL never occurs in YAML or JSON, and always in binaries and UTF-16. */
function checkText(text: string, file: string): string {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw new InputError({file}, `file is too large (${bytes} bytes, the limit is ${MAX_DOCUMENT_BYTES} bytes)`)
  }
  const nul = text.indexOf('\0')
  if (nul !== -1) throw new InputError({file}, `not a text file (it contains a NUL byte at ${position(text, nul)})`)
  return text
}

function decodeSegment(source: string, segment: Segment, file: string, numbered: boolean, out: DecodedDocument[]): void {
  const tooDeep = `nesting is too deep (the limit is ${MAX_YAML_NESTING} levels)`
  const lexicalExcess = findLexicalNestingExcess(segment.text)
  if (lexicalExcess >= 0) throw new InputError({file}, `${position(source, segment.offset + lexicalExcess)}: ${tooDeep}`)
  const tokens = Array.from(new Parser().parse(segment.text))
  const cstExcess = findCstNestingExcess(tokens)
  if (cstExcess >= 0) throw new InputError({file}, `${position(source, segment.offset + cstExcess)}: ${tooDeep}`)
  for (const doc of new Composer(YAML_OPTIONS).compose(tokens)) {
    const index = out.length + 1
    const loc = numbered ? {file, document: index} : {file}
    const value = documentValue(doc, (offset, reason) =>
      new InputError(loc, `${position(source, segment.offset + offset)}: ${reason}`))
    if (value !== null && value !== undefined) out.push({index, value})
  }
}

type ErrorAt = (offset: number, reason: string) => InputError

function documentValue(doc: Document.Parsed, errorAt: ErrorAt): unknown {
  const syntaxError = doc.errors[0]
  if (syntaxError !== undefined) throw errorAt(syntaxError.pos[0], syntaxError.message)
  const keyProblem = findKeyProblem(doc)
  if (keyProblem !== undefined) throw errorAt(keyProblem.offset, keyProblem.reason)
  try {
    return doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
  } catch (err) {
    // Unresolved aliases and alias bombs are thrown, not collected, by the yaml package.
    if (!(err instanceof ReferenceError)) throw err
    const reason = /excessive alias count/i.test(err.message)
      ? `too many alias expansions (the limit is ${MAX_ALIAS_COUNT}), refusing a possible "billion laughs" document`
      : err.message
    throw errorAt(doc.range[0], reason)
  }
}

/** "line 3, column 7" for an offset into the whole input. */
function position(source: string, offset: number): string {
  let line = 1
  let lineStart = 0
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return `line ${line}, column ${offset - lineStart + 1}`
}

/**
 * Concatenated JSON objects (`{...}{...}` or one per line) are not one YAML document, so they are
 * cut apart first. Anything else, including a single object, goes to the YAML parser whole.
 */
function splitJsonStream(text: string): Segment[] | undefined {
  const segments: Segment[] = []
  for (let i = skipWhitespace(text, 0); i < text.length; i = skipWhitespace(text, i)) {
    if (text[i] !== '{') return undefined
    const end = endOfJsonObject(text, i)
    if (end < 0) return undefined
    segments.push({text: text.slice(i, end), offset: i})
    i = end
  }
  return segments.length > 1 ? segments : undefined
}

function skipWhitespace(text: string, from: number): number {
  let i = from
  while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++
  return i
}

/** The index just past the `}` that closes the object opened at `start`, or -1. */
function endOfJsonObject(text: string, start: number): number {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') {
      inString = true
    } else if (c === '{' || c === '[') {
      depth++
    } else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return -1
}
