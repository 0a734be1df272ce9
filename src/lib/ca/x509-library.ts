/**
 * @peculiar/x509, loaded on first use. It is the heaviest import here (~150 ms with its ASN.1 schemas
 * and the reflect-metadata polyfill it needs), and most commands never read a certificate, so it is
 * required lazily; `createRequire` keeps the readers synchronous. Every module goes through this one
 * loader, so a process holds a single copy of the library (its classes are compared by identity).
 */
import {createRequire} from 'node:module'

export type X509Library = typeof import('@peculiar/x509')

let library: X509Library | undefined

export function x509Library(): X509Library {
  if (library === undefined) {
    createRequire(import.meta.url)('reflect-metadata')
    library = createRequire(import.meta.url)('@peculiar/x509') as X509Library
  }
  return library
}
