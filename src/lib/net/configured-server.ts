/**
 * Which server tctl talks to when the user names none: `--auth-server` or $TELEPORT_AUTH_SERVER,
 * trusted by the CA in the identity file (`--identity` or $TELEPORT_IDENTITY_FILE) and the system
 * roots, or not at all with `--insecure`. No client certificate: callers use public endpoints.
 */
import type {HttpsClientOptions} from './https-client.js'

export interface ConfiguredServerFlags {
  readonly 'auth-server'?: string
  readonly identity?: string
  readonly insecure?: boolean
}

export async function configuredAuthServer(flags: ConfiguredServerFlags = {}, env: NodeJS.ProcessEnv = process.env): Promise<HttpsClientOptions | undefined> {
  const address = flags['auth-server'] ?? env.TELEPORT_AUTH_SERVER
  if (address === undefined || address === '') return undefined
  const [{serverUrl}, {rootCertificates}] = await Promise.all([import('./server-url.js'), import('node:tls')])
  const url = serverUrl(address)
  if (flags.insecure === true) return {url, trust: {kind: 'insecure'}}
  const identityFile = flags.identity ?? env.TELEPORT_IDENTITY_FILE
  if (identityFile === undefined || identityFile === '') return {url, trust: {kind: 'ca', caPem: [...rootCertificates]}}
  const {readIdentityFile} = await import('../backend/identity-file.js')
  const identity = await readIdentityFile(identityFile)
  return {url, trust: {kind: 'ca', caPem: [...identity.caPems, ...rootCertificates]}}
}
