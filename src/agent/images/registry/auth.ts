import type { IncomingMessage } from 'node:http';
import { readBody, registryFetch, type Endpoint } from './http.ts';

/** A username/password (or identity token) for one registry. */
export interface RegistryCredential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` in docker config). */
  identityToken?: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

function basic(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/**
 * Authorisation for one repository on one registry: anonymous until the registry answers 401, then
 * Basic or the Bearer token flow its `WWW-Authenticate` asks for (a token fetched from the realm,
 * with the credential when there is one). The header is remembered for the following requests.
 */
export class RepositoryAuth {
  #header: string | undefined;

  constructor(private readonly opts: { endpoint: Endpoint; repository: string; credential?: RegistryCredential; signal?: AbortSignal }) {}

  get header(): Record<string, string> {
    return this.#header ? { Authorization: this.#header } : {};
  }

  /**
   * Called with a 401 response: works out a new Authorization header. Returns false when there is
   * nothing new to try (no credential for Basic, token refused), so the caller reports the 401.
   */
  async answer(res: IncomingMessage): Promise<boolean> {
    const challenge = parseChallenge(res.headers['www-authenticate']);
    const cred = this.opts.credential;
    if (!challenge) return false;
    if (challenge.scheme === 'basic') {
      if (!cred?.username || this.#header === basic(cred)) return false;
      this.#header = basic(cred);
      return true;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return false;
    const token = await this.#token(challenge.params);
    if (!token || this.#header === `Bearer ${token}`) return false;
    this.#header = `Bearer ${token}`;
    return true;
  }

  async #token(params: Record<string, string>): Promise<string | undefined> {
    const url = new URL(params.realm!);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.opts.repository}:pull`);
    const cred = this.opts.credential;
    const headers: Record<string, string> = cred?.username ? { Authorization: basic(cred) } : {};
    const tokenEndpoint: Endpoint = { ...this.opts.endpoint, url: url.origin };
    const res = await registryFetch(tokenEndpoint, url.href, { headers, signal: this.opts.signal });
    const body = await readBody(res, 1 << 20);
    if (res.statusCode !== 200) return undefined;
    const doc = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    const token = typeof doc.token === 'string' ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : undefined;
    return token;
  }
}
