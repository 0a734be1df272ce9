/**
 * The server's TLS certificate: the `https_keypairs` files when configured (a publicly trusted
 * chain, which AWS needs for OIDC), else one issued at start by the cluster's TLS CA for the public
 * address and the loopback names, presented with the CA after it, so a client holding only the CA
 * pin (`tctl status`) can check the chain (net/pin.ts) and the thumbprint is the CA's.
 * Client certificates must chain to the same CA.
 */
import {generateKeyPairSync} from 'node:crypto'
import {isIP} from 'node:net'
import type {CaMaterial} from '../ca/ca-material.js'
import {issueServerCert} from '../ca/profiles.js'
import {toPem} from '../ca/pem.js'
import type {KeyPairFiles} from './config.js'
import type {ServerTls} from './http.js'
import {loadKeyPairs} from './tls.js'

/** Lifetime of an issued server certificate; it is re-issued at half-life while the server runs. */
export const SERVER_CERT_TTL_MS = 30 * 24 * 60 * 60_000

export interface ServerTlsMaterial {
  readonly tls: ServerTls
  /** When to issue a fresh one; undefined for configured key pairs. */
  readonly renewAt?: Date
}

/** The names the issued certificate covers: the public and listen hosts, and loopback. */
export function serverCertHosts(publicHost: string, listenHost: string): string[] {
  const unspecified = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === ''
  const hosts = [publicHost, ...(unspecified ? [] : [listenHost]), 'localhost', '127.0.0.1', '::1']
  return [...new Set(hosts.map((h) => (isIP(h) === 0 ? h.toLowerCase() : h)))]
}

export async function serverTls(
  ca: CaMaterial, keyPairs: readonly KeyPairFiles[], hosts: readonly string[], now: () => Date,
): Promise<ServerTlsMaterial> {
  const clientCas = ca.botCa.certPem
  if (keyPairs.length > 0) {
    // The first pair serves every name (SNI selection among several is not supported).
    const [first] = await loadKeyPairs(keyPairs)
    return {tls: {cert: first!.certPem, key: first!.keyPem, clientCas}}
  }
  const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
  const cert = issueServerCert({ca: ca.botCa, publicKey: key, hosts, ttlMs: SERVER_CERT_TTL_MS, now})
  const renewAt = new Date(now().getTime() + SERVER_CERT_TTL_MS / 2)
  return {
    tls: {cert: toPem('CERTIFICATE', cert.der) + ca.botCa.certPem, key: key.export({type: 'pkcs8', format: 'pem'}).toString(), clientCas},
    renewAt,
  }
}
