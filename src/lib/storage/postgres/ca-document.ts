/**
 * The CA material as one JSON document (the CaStateStore's `data`): each CA's certificate and
 * PKCS#8 key in PEM, as the data directory's ca/ files hold them (ca/ca-store.ts CA_FILES).
 */
import {createPrivateKey} from 'node:crypto'
import {caKeyPair, type CaKeyPair} from '../../ca/ca-keypair.js'
import {clusterTrustDomain, jwtSigningKey, type CaMaterial} from '../../ca/ca-material.js'
import {decodePemBlocks} from '../../ca/pem.js'
import {CorruptStateError} from '../../errors.js'

const DOCUMENT_VERSION = 1

interface CaPair {
  readonly cert_pem: string
  readonly key_pem: string
}

interface CaDocument {
  readonly version: number
  readonly spiffe_ca: CaPair
  readonly bot_ca: CaPair
  readonly jwt_key_pem: string
}

const pkcs8Pem = (key: CaKeyPair['privateKey']) => key.export({type: 'pkcs8', format: 'pem'}).toString()

export function encodeCaDocument(m: CaMaterial): string {
  const doc: CaDocument = {
    version: DOCUMENT_VERSION,
    spiffe_ca: {cert_pem: m.spiffeCa.certPem, key_pem: pkcs8Pem(m.spiffeCa.privateKey)},
    bot_ca: {cert_pem: m.botCa.certPem, key_pem: pkcs8Pem(m.botCa.privateKey)},
    jwt_key_pem: pkcs8Pem(m.jwtKey.privateKey),
  }
  return JSON.stringify(doc)
}

const corrupt = (reason: string, cause?: unknown) => new CorruptStateError(`the CA state document in PostgreSQL: ${reason}`, {cause})

function oneBlock(text: unknown, type: string, field: string): Buffer {
  if (typeof text !== 'string') throw corrupt(`${field} is missing`)
  const blocks = decodePemBlocks(text).filter((b) => b.type === type)
  if (blocks.length !== 1) throw corrupt(`${field}: expected one PEM ${type} block, found ${blocks.length}`)
  return blocks[0]!.der
}

function key(text: unknown, field: string) {
  try {
    return createPrivateKey({key: oneBlock(text, 'PRIVATE KEY', field), format: 'der', type: 'pkcs8'})
  } catch (err) {
    throw err instanceof CorruptStateError ? err : corrupt(`${field}: cannot parse PKCS#8 private key`, err)
  }
}

function pair(value: Partial<CaPair> | undefined, field: string): CaKeyPair {
  try {
    return caKeyPair(oneBlock(value?.cert_pem, 'CERTIFICATE', `${field}.cert_pem`), key(value?.key_pem, `${field}.key_pem`))
  } catch (err) {
    throw err instanceof CorruptStateError ? err : corrupt(`${field}: ${(err as Error).message}`, err)
  }
}

export function decodeCaDocument(data: string): CaMaterial {
  let doc: Partial<CaDocument>
  try {
    doc = JSON.parse(data) as Partial<CaDocument>
  } catch (err) {
    throw corrupt('not valid JSON', err)
  }
  if (doc.version !== DOCUMENT_VERSION) throw corrupt(`unsupported version ${JSON.stringify(doc.version)}`)
  const spiffeCa = pair(doc.spiffe_ca, 'spiffe_ca')
  const botCa = pair(doc.bot_ca, 'bot_ca')
  const jwtKey = jwtSigningKey(key(doc.jwt_key_pem, 'jwt_key_pem'))
  const uri = spiffeCa.info.uris[0]
  if (uri === undefined || !uri.startsWith('spiffe://')) throw corrupt('the SPIFFE CA certificate has no spiffe:// URI SAN')
  const clusterName = uri.slice('spiffe://'.length)
  return {clusterName, trustDomain: clusterTrustDomain(clusterName), spiffeCa, jwtKey, botCa}
}
