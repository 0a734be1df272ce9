/**
 * The platform credential a delegated join method presents, read as Teleport's tbot reads it:
 * - kubernetes: the file at KUBERNETES_TOKEN_PATH, else the pod's service-account token
 *   (lib/kubernetestoken token_source.go), trimmed;
 * - github: an ID token from the Actions runtime — GET ACTIONS_ID_TOKEN_REQUEST_URL with
 *   `&audience=teleport.cluster.local` and `Authorization: Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN`
 *   (lib/githubactions token_source.go);
 * - gitlab: TBOT_GITLAB_JWT, set from `id_tokens:` in .gitlab-ci.yml (lib/gitlab token_source.go).
 * Read afresh at every join: CI tokens and projected service-account tokens are short-lived.
 */
import {promises as fs} from 'node:fs'
import {BadParameterError, SvidkitError} from '../errors.js'

export const KUBERNETES_DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token'

export type Env = Readonly<Record<string, string | undefined>>

export async function kubernetesIdToken(env: Env = process.env): Promise<string> {
  const path = env['KUBERNETES_TOKEN_PATH'] || KUBERNETES_DEFAULT_TOKEN_PATH
  try {
    return (await fs.readFile(path, 'utf8')).trim()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new SvidkitError(code === 'ENOENT' ? 'NOT_FOUND' : 'ACCESS_DENIED', `reading the Kubernetes service account token ${path}: ${code ?? (err as Error).message}`)
  }
}

export async function githubIdToken(env: Env = process.env): Promise<string> {
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL'] ?? ''
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? ''
  if (url === '') throw new BadParameterError('ACTIONS_ID_TOKEN_REQUEST_URL environment variable missing')
  if (bearer === '') throw new BadParameterError('ACTIONS_ID_TOKEN_REQUEST_TOKEN environment variable missing')
  // Loaded here, not at start: most bots join another way (the join checks stay out of an idle tbot).
  const [{GITHUB_AUDIENCE}, {fetchJson}] = await Promise.all([import('../join/github.js'), import('../join/remote-keys.js')])
  const body = await fetchJson(`${url}&audience=${encodeURIComponent(GITHUB_AUDIENCE)}`, false, {
    authorization: `Bearer ${bearer}`, accept: 'application/json; api-version=2.0',
  })
  const value = (body as {value?: unknown} | null)?.value
  if (typeof value !== 'string' || value === '') throw new BadParameterError('response did not include ID token')
  return value
}

export async function gitlabIdToken(env: Env = process.env): Promise<string> {
  const jwt = env['TBOT_GITLAB_JWT'] ?? ''
  if (jwt === '') throw new BadParameterError('TBOT_GITLAB_JWT environment variable missing')
  return jwt
}

/** The reader for a join method, or undefined for `token` (its secret is the token itself). */
export function idTokenReader(method: string, env: Env = process.env): (() => Promise<string>) | undefined {
  switch (method) {
    case 'kubernetes': return () => kubernetesIdToken(env)
    case 'github': return () => githubIdToken(env)
    case 'gitlab': return () => gitlabIdToken(env)
    default: return undefined
  }
}
