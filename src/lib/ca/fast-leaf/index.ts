/**
 * The measured fast paths of issuance, kept hand-written on purpose:
 *
 *  - x509-leaf.ts + der.ts: X.509 leaves (X.509-SVIDs, server and client certificates) assembled from
 *    pre-encoded DER pieces and signed with node:crypto `sign()`. @peculiar/x509 (which builds the
 *    rare CA certificates, ../ca-material.ts, and reads other certificates, ../cert-fields.ts) encodes
 *    through pure-JS ASN.1 and WebCrypto and tops out near 250 leaves/s here.
 *  - fast-keygen.ts: P-256 key pairs straight to SPKI/PKCS#8 DER, skipping OpenSSL 3.0's key
 *    encoders (~240 µs per export, twice the key generation).
 *  - spki.ts + der-reader.ts: client-supplied SPKI checked without OpenSSL's decoder (~250 µs per
 *    `createPublicKey`); other algorithms still go through node:crypto.
 *  - jwt.ts: JWT-SVID signing on node:crypto `sign()` with a cached header; jose's SignJWT adds tens
 *    of µs per token around the signature.
 *  - random-pool.ts: serials and jtis from one pooled CSPRNG fill.
 *  - cert-reader.ts + crl.ts: the fields of the certificates this CA wrote (its own CA certificates,
 *    the bot certificates it checks) and its CRLs, without @peculiar/x509: loading that library
 *    costs an idle tbot ~13 MB of RSS (bench/tbot-rss.ts), and those are all it needs on that path.
 *
 * `npm run bench` (bench/crypto.ts) measures each against raw node:crypto in the same run, on the
 * 2-core dev machine: X.509-SVID with a fresh key (keygen + issue) ~0.8 of raw P-256 keygen+sign
 * (x509_svid_issue_keygen_per_sec), X.509-SVID for a given key ~0.5-0.6 of a raw P-256 signature
 * (x509_svid_sign_per_sec), RS256 JWT-SVID ~0.9-1.0 of a raw RS256 signature (jwt_svid_issue_per_sec).
 * Anything here that stops paying for itself against those figures should go back to the libraries.
 */
export {generateP256KeyDer, type P256KeyDer} from './fast-keygen.js'
export {REGISTERED_CLAIMS, signJwtSvid, type SignJwtSvidParams, type SignedJwtSvid} from './jwt.js'
export {
  EMPTY_NAME, encodeName, extension, extensionNode, randomSerial, serialHex, signLeaf, subjectKeyId, toSpki, wholeSeconds,
  type LeafSpec, type SubjectName,
} from './x509-leaf.js'
