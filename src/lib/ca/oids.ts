/** Object identifiers used by the certificates we issue and parse (RFC 5280, RFC 5480, RFC 8017). */
export const OID = {
  // Attribute types (RFC 5280 Appendix A).
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  // Extensions (RFC 5280 §4.2.1).
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // CRL extensions (RFC 5280 §5.2).
  crlNumber: '2.5.29.20',
  // Extended key usages (RFC 5280 §4.2.1.12).
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  // Signature algorithms.
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsaEncryption: '1.2.840.113549.1.1.11',
  /**
   * svidkit's bot-name extension on bot identity certificates (UTF8String). Under the private
   * `1.3.9999` arc Teleport uses for its own identity attributes, in a branch Teleport does not use.
   */
  svidkitBotName: '1.3.9999.4242.1',
} as const

/** keyUsage bits as Go's `x509.KeyUsage` numbers them (bit i of the ASN.1 BIT STRING = 1 << i). */
export const KEY_USAGE = {
  digitalSignature: 1 << 0,
  contentCommitment: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
} as const

/** The ASN.1 bit positions behind KEY_USAGE, for encoding. */
export const KEY_USAGE_BIT = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const
