/**
 * TLS material for the server: the `https_keypairs` PEM files.
 */
import {createPrivateKey, X509Certificate} from 'node:crypto'
import {readInputFile} from '../input/read-file.js'
import {decodePemBlocks} from '../ca/pem.js'
import {InputError} from '../errors.js'
import type {KeyPairFiles} from './config.js'

export interface TlsKeyPair {
  /** Leaf first, then the intermediates to present, as in the file. */
  readonly certPem: string
  readonly keyPem: string
  readonly chain: readonly X509Certificate[]
}

/** Load and check each `{key_file, cert_file}`: both parse, and the key belongs to the leaf. */
export async function loadKeyPairs(pairs: readonly KeyPairFiles[]): Promise<TlsKeyPair[]> {
  return Promise.all(pairs.map(loadKeyPair))
}

async function loadKeyPair(pair: KeyPairFiles): Promise<TlsKeyPair> {
  const certPem = await readInputFile(pair.certFile)
  const keyPem = await readInputFile(pair.keyFile)
  const chain = decodePemBlocks(certPem)
    .filter((block) => block.type === 'CERTIFICATE')
    .map((block) => parseCertificate(block.der, pair.certFile))
  if (chain.length === 0) throw new InputError({file: pair.certFile}, 'no CERTIFICATE PEM block found')
  let key
  try {
    key = createPrivateKey(keyPem)
  } catch (err) {
    throw new InputError({file: pair.keyFile}, 'not a readable PEM private key', {cause: err})
  }
  if (!chain[0]!.checkPrivateKey(key)) {
    throw new InputError({file: pair.keyFile}, `the private key does not match the certificate in ${pair.certFile}`)
  }
  return {certPem, keyPem, chain}
}

function parseCertificate(der: Buffer, file: string): X509Certificate {
  try {
    return new X509Certificate(der)
  } catch (err) {
    throw new InputError({file}, 'a CERTIFICATE block does not parse as X.509', {cause: err})
  }
}
