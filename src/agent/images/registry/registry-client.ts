import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RepositoryAuth, type RegistryCredential } from './auth.ts';
import { readBody, registryFetch, RegistryUnreachableError, type Endpoint, type RequestOptions } from './http.ts';
import { ACCEPT } from './manifest.ts';

/** A registry answered with an HTTP error; the message is containerd's wording. */
export class RegistryStatusError extends Error {
  override name = 'RegistryStatusError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchedManifest {
  digest: string;
  mediaType: string | undefined;
  body: Buffer;
}

export interface RepositoryClientOptions {
  /** Tried in order (mirrors first); the first that answers serves the whole pull. */
  endpoints: Endpoint[];
  /** Path of the repository on the registry (`library/nginx`). */
  repository: string;
  credentialFor?: (endpoint: Endpoint) => RegistryCredential | undefined;
  signal?: AbortSignal;
  /** Counts every HTTP request made (tests and the IfNotPresent guarantee). */
  onRequest?: (method: string, url: string) => void;
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

/** The distribution API (v2) for one repository: manifests and blobs, with authorisation. */
export class RepositoryClient {
  #auth = new Map<string, RepositoryAuth>();
  #chosen: Endpoint | undefined;

  constructor(private readonly opts: RepositoryClientOptions) {}

  /** GETs a manifest by tag or digest; verifies the digest of what came back. */
  async manifest(reference: string, display: string): Promise<FetchedManifest> {
    let lastError: unknown;
    for (const endpoint of this.#chosen ? [this.#chosen] : this.opts.endpoints) {
      try {
        const url = `${endpoint.url}/v2/${this.opts.repository}/manifests/${reference}`;
        const res = await this.#get(endpoint, url, { headers: { Accept: ACCEPT } });
        if (res.statusCode === 404) {
          res.resume();
          throw new RegistryStatusError(404, `${display}: not found`);
        }
        await this.#expectOk(res, url);
        const body = await readBody(res);
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        if (reference.startsWith('sha256:') && reference !== digest) throw new Error(`manifest digest mismatch: expected ${reference}, got ${digest}`);
        this.#chosen = endpoint;
        const type = res.headers['content-type'];
        return { digest, mediaType: type, body };
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /** GETs a blob as a stream (the caller verifies its digest while consuming it). */
  async blob(digest: string): Promise<IncomingMessage> {
    const endpoint = this.#chosen ?? this.opts.endpoints[0];
    if (!endpoint) throw new Error('no registry endpoint');
    const url = `${endpoint.url}/v2/${this.opts.repository}/blobs/${digest}`;
    const res = await this.#get(endpoint, url, {});
    await this.#expectOk(res, url);
    return res;
  }

  async #get(endpoint: Endpoint, url: string, opts: RequestOptions): Promise<IncomingMessage> {
    let auth = this.#auth.get(endpoint.url);
    if (!auth) {
      auth = new RepositoryAuth({ endpoint, repository: this.opts.repository, credential: this.opts.credentialFor?.(endpoint), signal: this.opts.signal });
      this.#auth.set(endpoint.url, auth);
    }
    for (let attempt = 0; ; attempt++) {
      this.opts.onRequest?.('GET', url);
      const res = await registryFetch(endpoint, url, { ...opts, signal: this.opts.signal, headers: { ...opts.headers, ...auth.header } });
      if (res.statusCode !== 401 || attempt > 0) return res;
      if (!(await auth.answer(res))) return res;
      res.resume();
    }
  }

  async #expectOk(res: IncomingMessage, url: string): Promise<void> {
    if (res.statusCode === 200) return;
    const body = await readBody(res, 64 << 10).catch(() => Buffer.alloc(0));
    const status = res.statusCode ?? 0;
    const text = `${status} ${STATUS_TEXT[status] ?? res.statusMessage ?? ''}`.trim();
    const server = registryMessage(body);
    throw new RegistryStatusError(status, `unexpected status from GET request to ${url}: ${text}${server ? `: ${server}` : ''}`);
  }
}

/** The first `errors[].message` of a distribution error body, if any. */
function registryMessage(body: Buffer): string {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const e = doc.errors?.[0];
    return e ? [e.code?.toLowerCase(), e.message].filter(Boolean).join(': ') : '';
  } catch {
    return '';
  }
}

export { RegistryUnreachableError };
