/**
 * Fresh ECDSA P-256 key pairs straight to DER (SPKI + PKCS#8), for the workload side of issuance.
 * Two reasons not to use `generateKeyPairSync` + `export()` here:
 *  - OpenSSL 3.0's encoders cost ~240 µs per SPKI/PKCS#8 export on this machine, twice the keygen;
 *  - Node 20 can deadlock exporting a JWK from a freshly generated EC KeyObject (a GC during the
 *    export runs the key-generation job's destructor, which waits on the mutex the export holds;
 *    reproduced on Node 20 here; see also spki.ts).
 * `createECDH` generates the same curve's keys without a KeyObject; the DER is written by der.ts.
 */
import {createECDH} from 'node:crypto'
import * as der from './der.js'

const EC_P256_ALGORITHM = der.sequence(der.oid('1.2.840.10045.2.1'), der.oid('1.2.840.10045.3.1.7'))
const VERSION_0 = der.unsignedInteger(0)
const VERSION_1 = der.unsignedInteger(1)

export interface P256KeyDer {
  /** PKIX SubjectPublicKeyInfo DER: what tbot sends and issueX509Svid takes. */
  readonly spki: Buffer
  /** PKCS#8 PrivateKeyInfo DER (RFC 5208) wrapping an RFC 5915 ECPrivateKey with its public key. */
  readonly pkcs8: Buffer
}

export function generateP256KeyDer(): P256KeyDer {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const point = ecdh.getPublicKey() // uncompressed 0x04 || X || Y
  const scalar = ecdh.getPrivateKey()
  const d = scalar.length === 32 ? scalar : Buffer.concat([Buffer.alloc(32 - scalar.length), scalar])
  const ecPrivateKey = der.sequence(VERSION_1, der.octetString(d), der.explicit(1, der.bitString(point)))
  return {
    spki: der.sequence(EC_P256_ALGORITHM, der.bitString(point)),
    pkcs8: der.sequence(VERSION_0, EC_P256_ALGORITHM, der.octetString(ecPrivateKey)),
  }
}
