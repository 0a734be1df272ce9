/**
 * Reading the API's JSON bodies (a request on the server, a response on the client) with the one
 * field reader (document/fields.ts): parse at the edge, every field checked once, unknown fields
 * refused, and each failure one InputError naming the body and the field,
 * `request body: selector.name: must not be empty`. These are the wire's own value forms on top.
 */
import {FieldReader} from '../document/fields.js'
import {fail, failType, rootPlace} from '../document/place.js'

export type JsonRecord = Readonly<Record<string, unknown>>

/** What a body is called in messages: the server reads requests, the client responses. */
export type BodyName = 'request body' | 'response body'

/** The top of a body: a mapping holding only `known` fields. */
export function readBody(body: unknown, name: BodyName, known: readonly string[]): FieldReader {
  return FieldReader.of(body, rootPlace({file: name}), known)
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Standard base64 (with padding) → bytes. */
export function readBytes(r: FieldReader, key: string): Buffer {
  const text = r.required.string(key)
  return BASE64.test(text) ? Buffer.from(text, 'base64') : fail(r.at(key), 'must be standard base64')
}

export function readBytesList(r: FieldReader, key: string): Buffer[] {
  return r.required.list(key).map(({value, place}) => {
    if (typeof value !== 'string') return failType(place, 'a string', value)
    return BASE64.test(value) ? Buffer.from(value, 'base64') : fail(place, 'must be standard base64')
  })
}

/** `{key: [values]}`, e.g. label selectors. */
export function readStringListMap(r: FieldReader, key: string): Record<string, string[]> {
  const map = r.required.mapping(key)
  // An own `__proto__` key (JSON.parse makes one) would become a prototype on assignment downstream.
  if (Object.hasOwn(map.value, '__proto__')) fail(map.place, 'invalid key "__proto__"')
  return Object.fromEntries(map.keys().map((k) => [k, map.required.stringList(k)]))
}

export function readDate(r: FieldReader, key: string): Date {
  const date = new Date(r.required.string(key))
  return Number.isNaN(date.getTime()) ? fail(r.at(key), 'must be an RFC 3339 time') : date
}
