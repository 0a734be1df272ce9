/**
 * Bundles read from files, as go-spiffe's `x509bundle.Load`, `jwtbundle.Load` and `spiffebundle.Load`
 * (same messages). Kept out of spiffe/, which does no I/O: this reads, spiffe/ parses.
 */
import {readFile} from 'node:fs/promises'
import {BadParameterError} from '../errors.js'
import type {TrustDomain} from '../spiffe/id.js'
import {JwtBundle} from '../spiffe/jwt-bundle.js'
import {SpiffeBundle} from '../spiffe/spiffe-bundle.js'
import {X509Bundle} from '../spiffe/x509-bundle.js'

async function read(path: string, problem: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new BadParameterError(`${problem}: ${(err as Error).message}`, {cause: err})
  }
}

/** PEM certificates → the trust domain's X.509 bundle. */
export async function loadX509Bundle(trustDomain: TrustDomain, path: string): Promise<X509Bundle> {
  return X509Bundle.parse(trustDomain, await read(path, 'x509bundle: unable to load X.509 bundle file'))
}

/** A JWKS → the trust domain's JWT bundle. */
export async function loadJwtBundle(trustDomain: TrustDomain, path: string): Promise<JwtBundle> {
  return JwtBundle.parse(trustDomain, await read(path, 'jwtbundle: unable to read JWT bundle'))
}

/** A SPIFFE bundle (JWKS with `spiffe_sequence` and `spiffe_refresh_hint`). */
export async function loadSpiffeBundle(trustDomain: TrustDomain, path: string): Promise<SpiffeBundle> {
  return SpiffeBundle.parse(trustDomain, await read(path, 'spiffebundle: unable to read SPIFFE bundle'))
}
