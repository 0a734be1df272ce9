/**
 * The CRL writer (RFC 5280 §5.1): a v2 CertificateList with the CA's subject as issuer (byte for
 * byte, as its certificates carry it), thisUpdate/nextUpdate, the revoked serials, and the CRL
 * number and AKI extensions, signed like the leaves (x509-leaf.ts). Hand-written like them so that
 * publishing a CRL (every tbot with the local backend does at start) does not load @peculiar/x509;
 * test/unit/ca/crl-writer.test.ts checks it writes the bytes the library's X509CrlGenerator writes.
 */
import type {CaKeyPair} from '../ca-keypair.js'
import {OID} from '../oids.js'
import * as der from './der.js'
import {extension, preparedIssuer, signedByCa} from './x509-leaf.js'

export interface RevokedEntry {
  /** The certificate's serial, big-endian magnitude. */
  readonly serial: Uint8Array
  readonly revokedAt: Date
}

export interface CrlSpec {
  readonly thisUpdate: Date
  readonly nextUpdate: Date
  /** CRLNumber (RFC 5280 §5.2.3). */
  readonly number: bigint
  readonly entries: readonly RevokedEntry[]
}

const VERSION_2 = der.unsignedInteger(1)

/** One CRL signed by `ca`, DER. */
export function signCrlDer(ca: CaKeyPair, spec: CrlSpec): Buffer {
  const issuer = preparedIssuer(ca)
  // revokedCertificates is left out, not empty, when nothing is revoked (RFC 5280 §5.1.2.6).
  const revoked = spec.entries.length === 0 ? [] : [der.sequence(...spec.entries.map((e) => der.sequence(der.unsignedIntegerFromBytes(e.serial), der.time(e.revokedAt))))]
  const extensions = der.explicit(0, der.sequence(extension(OID.crlNumber, false, der.unsignedInteger(spec.number)), issuer.authorityKeyId))
  const tbs = der.sequence(VERSION_2, issuer.signatureAlgorithm, issuer.issuerName, der.time(spec.thisUpdate), der.time(spec.nextUpdate), ...revoked, extensions)
  return signedByCa(ca, tbs)
}
