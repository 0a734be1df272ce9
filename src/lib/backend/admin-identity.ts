/**
 * The admin identity (`tctl auth sign --user admin --out FILE`): a client certificate from the
 * cluster's TLS CA naming the user, carrying the reserved role ADMIN_ROLE and no bot name. Minting
 * needs the CA key, so only someone with the data directory can do it, as in Teleport; the server
 * then accepts the file's holder on the admin routes from anywhere.
 */
import {generateKeyPairSync} from 'node:crypto'
import type {CaMaterial} from '../ca/ca-material.js'
import {issueClientCert, type ClientIdentity} from '../ca/client-identity.js'
import {BadParameterError} from '../errors.js'
import {identityFromKey, type IdentityFile} from './identity-file.js'

/** The marker role of admin certificates (also the name of the admin's implicit role, authority/caller.ts). */
export const ADMIN_ROLE = 'svidkit-admin'
/** `tctl auth sign --ttl` default, as Teleport's. */
export const ADMIN_IDENTITY_DEFAULT_TTL_MS = 12 * 60 * 60_000
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/

/** An admin certificate: no bot name, the admin marker among its roles. */
export function isAdminIdentity(identity: ClientIdentity): boolean {
  return identity.botName === undefined && identity.roles.includes(ADMIN_ROLE)
}

export function signAdminIdentity(ca: CaMaterial, userName: string, ttlMs: number, now: () => Date): {identity: IdentityFile; expiresAt: Date} {
  if (!USER_NAME.test(userName) || userName.startsWith('bot-')) {
    throw new BadParameterError(`"${userName}" is not a valid user name for an admin identity`)
  }
  const key = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
  const cert = issueClientCert({ca: ca.botCa, publicKey: key, userName, roles: [ADMIN_ROLE], ttlMs, now})
  return {identity: identityFromKey(key, cert.der, [ca.botCa.certDer]), expiresAt: cert.notAfter}
}
