/**
 * The Workload API client's plain values → the SPIFFE library's classes (X509Svid, X509Bundle,
 * JwtBundle, BundleSet), which the sources hand out and tlsconfig verifies with.
 */
import {createPublicKey, type KeyObject} from 'node:crypto'
import {JwtBundle} from '../../spiffe/jwt-bundle.js'
import {X509Bundle} from '../../spiffe/x509-bundle.js'
import {X509Svid} from '../../spiffe/x509-svid.js'
import type {JwtBundle as PlainJwtBundle, X509Bundle as PlainX509Bundle, X509Svid as PlainX509Svid} from '../parse.js'

/** Already validated by the client's parser (go-spiffe `x509svid.ParseRaw`); rebuilt as the class. */
export function toX509Svid(svid: PlainX509Svid): X509Svid {
  const certs = Buffer.concat(svid.certificates.map((c) => c.raw))
  const key = svid.privateKey.export({format: 'der', type: 'pkcs8'})
  const parsed = X509Svid.parseRaw(certs, key)
  return svid.hint === '' ? parsed : parsed.withHint(svid.hint)
}

export function toX509Bundle(bundle: PlainX509Bundle): X509Bundle {
  return X509Bundle.fromX509Authorities(bundle.trustDomain, bundle.authorities)
}

export function toJwtBundle(bundle: PlainJwtBundle): JwtBundle {
  const keys = new Map<string, KeyObject>()
  for (const [kid, jwk] of bundle.keys) keys.set(kid, createPublicKey({key: jwk, format: 'jwk'}))
  return JwtBundle.fromJwtAuthorities(bundle.trustDomain, keys)
}
