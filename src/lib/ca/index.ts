/** The CA building blocks: key material, fast leaf issuance, JWT-SVID signing, JWKS. No policy. */
export {caKeyPair, type CaKeyPair} from './ca-keypair.js'
export {
  CA_VALIDITY_MS,
  clusterTrustDomain,
  createCaMaterial,
  createSelfSignedCa,
  jwtSigningKey,
  type CaMaterial,
  type CreateCaOptions,
  type JwtSigningKey,
  type SelfSignedCaOptions,
} from './ca-material.js'
export {CA_FILES, loadCaMaterial, saveCaMaterial} from './ca-store.js'
export {certFields, readCertificate, type CertFields} from './cert-fields.js'
export {issueClientCert, parseClientIdentity, type ClientCertParams, type ClientIdentity} from './client-identity.js'
export {REGISTERED_CLAIMS, signJwtSvid, type SignJwtSvidParams, type SignedJwtSvid, type SubjectName} from './fast-leaf/index.js'
export {jwksFromKeys, jwkMembers, type Jwk, type JwtPublicKey} from './jwk.js'
export {KEY_TYPES, generatePrivateKey, jwtAlgFor, jwtKid, keyTypeOf, publicKeyOf, spkiDer, type JwtAlg, type KeyType} from './keys.js'
export {toPem, decodePemBlocks, type PemBlock} from './pem.js'
export {BACKDATE_MS, issueServerCert, issueX509Svid, type IssuedCert, type ServerCertParams, type X509SvidParams} from './profiles.js'
