/**
 * Test PKI: real P-256 CAs, intermediates and leaves made with @peculiar/x509 on node's WebCrypto, as
 * PEM strings ready for node:tls. Not a test file itself (no `.test.`).
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import {X509Certificate, webcrypto} from 'node:crypto'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

type CryptoKeyPair = webcrypto.CryptoKeyPair

const ALG = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const
const HOUR = 3600_000
let serial = 1

export interface TestCert {
  readonly certPem: string
  readonly keyPem: string
  readonly der: Buffer
  readonly node: X509Certificate
  readonly cert: x509.X509Certificate
  readonly keys: CryptoKeyPair
}

export interface CertOptions {
  readonly notBefore?: Date
  readonly notAfter?: Date
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair
}

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<TestCert> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey))
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`
  const der = Buffer.from(cert.rawData)
  return {certPem: cert.toString('pem') + '\n', keyPem, der, node: new X509Certificate(der), cert, keys}
}

function validity(options: CertOptions): {notBefore: Date; notAfter: Date} {
  return {notBefore: options.notBefore ?? new Date(Date.now() - HOUR), notAfter: options.notAfter ?? new Date(Date.now() + 24 * HOUR)}
}

/** A self-signed root CA. */
export async function makeRootCa(name: string, options: CertOptions = {}): Promise<TestCert> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${name}`,
    ...validity(options),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return finish(cert, keys)
}

/** An intermediate CA signed by `issuer`. */
export async function makeIntermediateCa(name: string, issuer: TestCert, options: CertOptions = {}): Promise<TestCert> {
  return issue(issuer, `CN=${name}`, options, [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ])
}

/** A TLS server certificate for localhost / 127.0.0.1 (or the given names). */
export async function makeServerCert(issuer: TestCert, options: CertOptions & {dns?: string[]; ips?: string[]} = {}): Promise<TestCert> {
  const names = [
    ...(options.dns ?? ['localhost']).map((value) => ({type: 'dns' as const, value})),
    ...(options.ips ?? ['127.0.0.1']).map((value) => ({type: 'ip' as const, value})),
  ]
  return issue(issuer, 'CN=server', options, [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(names),
  ])
}

/** A TLS client certificate with the given common name. */
export async function makeClientCert(issuer: TestCert, commonName: string, options: CertOptions = {}): Promise<TestCert> {
  return issue(issuer, `CN=${commonName}`, options, [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ])
}

/** A self-signed server certificate (no CA at all). */
export async function makeSelfSignedServerCert(): Promise<TestCert> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: 'CN=localhost',
    ...validity({}),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.SubjectAlternativeNameExtension([{type: 'dns', value: 'localhost'}, {type: 'ip', value: '127.0.0.1'}])],
  })
  return finish(cert, keys)
}

async function issue(issuer: TestCert, subject: string, options: CertOptions, extensions: x509.Extension[]): Promise<TestCert> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject,
    issuer: issuer.cert.subject,
    ...validity(options),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      ...extensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    ],
  })
  return finish(cert, keys)
}
