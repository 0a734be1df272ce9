/**
 * Test issuers for the delegated join methods: an RSA signing key with its JWKS (for
 * `static_jwks`), JWT minting with the claims Kubernetes, GitHub Actions and GitLab CI put in
 * their tokens, and a real HTTPS OIDC issuer (discovery, JWKS, and GitHub Actions' ID-token
 * endpoint, which checks its bearer token as the Actions runtime does), with a certificate from
 * the test PKI (pki.ts); children trust it through NODE_EXTRA_CA_CERTS.
 */
import {createServer, type Server} from 'node:https'
import {generateKeyPairSync, type KeyObject} from 'node:crypto'
import type {AddressInfo} from 'node:net'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {SignJWT, exportJWK} from 'jose'
import {makeRootCa, makeServerCert} from './pki.js'

export interface SigningKey {
  readonly kid: string
  readonly privateKey: KeyObject
  readonly jwks: {keys: Record<string, unknown>[]}
}

export async function signingKey(kid = 'k1'): Promise<SigningKey> {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  const jwk = await exportJWK(publicKey)
  return {kid, privateKey, jwks: {keys: [{...jwk, kid, alg: 'RS256', use: 'sig'}]}}
}

/** A JWT signed RS256 by `key`; `iat` now and `exp` in 10 minutes unless the claims say otherwise. */
export async function mint(key: SigningKey, claims: Record<string, unknown>, now = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000)
  return new SignJWT({iat, exp: iat + 600, ...claims}).setProtectedHeader({alg: 'RS256', kid: key.kid, typ: 'JWT'}).sign(key.privateKey)
}

/** A projected, pod-bound service-account token's claims (Kubernetes' own shape). */
export function serviceAccountClaims(cluster: string, namespace: string, name: string, pod = 'processor-0'): Record<string, unknown> {
  return {
    iss: 'https://kubernetes.default.svc.cluster.local', aud: [cluster], sub: `system:serviceaccount:${namespace}:${name}`,
    'kubernetes.io': {namespace, serviceaccount: {name, uid: 'sa-uid'}, pod: {name: pod, uid: 'pod-uid'}},
  }
}

export function githubClaims(issuer: string, repository: string, ref = 'refs/heads/main'): Record<string, unknown> {
  const owner = repository.split('/')[0]
  return {
    iss: issuer, aud: 'teleport.cluster.local', sub: `repo:${repository}:ref:${ref}`, repository, repository_owner: owner, ref,
    ref_type: 'branch', workflow: 'deploy', event_name: 'push', actor: 'octocat', sha: 'abc123', run_id: '42', environment: '',
  }
}

export function gitlabClaims(issuer: string, cluster: string, projectPath: string, ref = 'main'): Record<string, unknown> {
  const namespace = projectPath.split('/')[0]
  return {
    iss: issuer, aud: cluster, sub: `project_path:${projectPath}:ref_type:branch:ref:${ref}`, project_path: projectPath,
    namespace_path: namespace, ref, ref_type: 'branch', ref_protected: 'true', pipeline_source: 'push', pipeline_id: '7',
    user_login: 'alice', user_email: 'alice@example.com', environment: 'prod', environment_protected: 'false', runner_id: 12,
  }
}

export interface HttpsIssuer {
  /** `127.0.0.1:<port>`: the GitHub Enterprise Server host / GitLab domain to configure. */
  readonly host: string
  /** The CA that signed the issuer's certificate (write it to NODE_EXTRA_CA_CERTS). */
  readonly caFile: string
  /** GitHub Actions' request URL (with `?api-version=…` so `&audience=` appends) and bearer token. */
  readonly actionsUrl: string
  readonly actionsBearer: string
  /** Bearer tokens the Actions endpoint saw. */
  readonly seenBearers: string[]
  close(): Promise<void>
}

/**
 * One HTTPS server, two issuers: `https://host/_services/token` (GitHub Enterprise Server's issuer
 * path) and `https://host` (a GitLab domain), both signed by `key`. The Actions endpoint mints a
 * GitHub token for `repository` with the audience it is asked for, only for the right bearer.
 */
export async function startHttpsIssuer(dir: string, key: SigningKey, repository: string): Promise<HttpsIssuer> {
  const ca = await makeRootCa('test issuer CA')
  const cert = await makeServerCert(ca)
  const caFile = join(dir, 'issuer-ca.pem')
  writeFileSync(caFile, ca.certPem)
  const bearer = 'actions-runtime-bearer'
  const seenBearers: string[] = []
  let host = ''
  const server: Server = createServer({cert: cert.certPem, key: cert.keyPem}, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `https://${host}`)
      const send = (status: number, body: unknown) => {
        res.writeHead(status, {'content-type': 'application/json'})
        res.end(JSON.stringify(body))
      }
      if (url.pathname === '/_services/token/.well-known/openid-configuration') {
        return send(200, {issuer: `https://${host}/_services/token`, jwks_uri: `https://${host}/_services/token/.well-known/jwks`})
      }
      if (url.pathname === '/.well-known/openid-configuration') return send(200, {issuer: `https://${host}`, jwks_uri: `https://${host}/oauth/discovery/keys`})
      if (url.pathname === '/_services/token/.well-known/jwks' || url.pathname === '/oauth/discovery/keys') return send(200, key.jwks)
      if (url.pathname === '/actions/id-token') {
        const auth = req.headers.authorization ?? ''
        seenBearers.push(auth)
        if (auth !== `Bearer ${bearer}`) return send(401, {message: 'bad bearer'})
        const claims = {...githubClaims(`https://${host}/_services/token`, repository), aud: url.searchParams.get('audience') ?? ''}
        return send(200, {count: 1, value: await mint(key, claims)})
      }
      return send(404, {message: 'not found'})
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    host, caFile, actionsUrl: `https://${host}/actions/id-token?api-version=2.0`, actionsBearer: bearer, seenBearers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
