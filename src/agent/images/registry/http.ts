import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readAll, StreamTooLargeError } from '../../../util/index.ts';

/** How to reach one registry endpoint: TLS trust and the base URL (`http://127.0.0.1:5000`). */
export interface Endpoint {
  url: string;
  /** PEM CA bundle trusted instead of the system CAs (k3s `tls.ca_file`). */
  ca?: string;
  insecureSkipVerify?: boolean;
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;
const CONNECT_TIMEOUT_MS = 30_000;

/** A failure to talk to the registry at all (refused, DNS, TLS, timeout), worded like Go's net/http. */
export class RegistryUnreachableError extends Error {
  override name = 'RegistryUnreachableError';
}

/**
 * One HTTP(S) request to a registry. Follows redirects (blob downloads often go to a CDN) and drops
 * the Authorization header when a redirect leaves the registry's host, as Docker does. The caller
 * must consume or destroy the returned response.
 */
export async function registryFetch(endpoint: Endpoint, url: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
  let target = new URL(url);
  const origin = new URL(endpoint.url).host;
  let headers = { ...opts.headers };
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    const res = await once(endpoint, target, { ...opts, headers });
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      target = new URL(location, target);
      if (target.host !== origin) {
        const { Authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      continue;
    }
    return res;
  }
  throw new RegistryUnreachableError(`${opts.method ?? 'GET'} "${url}": stopped after ${MAX_REDIRECTS} redirects`);
}

function once(endpoint: Endpoint, url: URL, opts: RequestOptions): Promise<IncomingMessage> {
  const method = opts.method ?? 'GET';
  const verb = method === 'HEAD' ? 'Head' : 'Get';
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const req = (tls ? httpsRequest : httpRequest)(url, {
      method,
      headers: { 'User-Agent': 'peapod', ...opts.headers },
      signal: opts.signal,
      timeout: CONNECT_TIMEOUT_MS,
      ...(tls ? { ca: endpoint.ca, rejectUnauthorized: endpoint.insecureSkipVerify !== true } : {}),
    });
    req.on('response', (res) => {
      req.setTimeout(0);
      resolve(res);
    });
    req.on('timeout', () => req.destroy(new Error('i/o timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ECONNREFUSED'
          ? `dial tcp ${url.host}: connect: connection refused`
          : e.code === 'ENOTFOUND'
            ? `dial tcp: lookup ${url.hostname}: no such host`
            : e.message;
      reject(new RegistryUnreachableError(`failed to do request: ${verb} "${url.href}": ${why}`));
    });
    req.end();
  });
}

/** Reads a whole (small) response body, e.g. a manifest or token; refuses bodies over `limit`. */
export async function readBody(res: IncomingMessage, limit = 8 << 20): Promise<Buffer> {
  try {
    return await readAll(res, limit);
  } catch (error) {
    if (!(error instanceof StreamTooLargeError)) throw error;
    res.destroy();
    throw new Error(`response body exceeds ${limit} bytes`);
  }
}
