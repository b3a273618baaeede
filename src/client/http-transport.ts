// One HTTP(S) exchange with the API server: keep-alive agents, bearer auth, client-side timeout,
// and the two retries that are always safe (a GET on a keep-alive socket the server had already
// closed; any request the server refused with 429 before doing anything).

import * as http from 'node:http';
import * as https from 'node:https';
import { createSecureContext } from 'node:tls';
import { readAll, sleep, type Clock } from '../util/index.ts';
import { transportError } from './errors.ts';

export interface TransportOptions {
  server: string;
  token?: string;
  /** PEM bundle trusted for the server certificate. */
  ca?: string;
  /** Client certificate and key (PEM), for certificate authentication. */
  cert?: string;
  key?: string;
  /** Tests and development only. */
  insecureSkipTlsVerify?: boolean;
  /** Connect to this Unix socket instead of the server URL's host and port (the server's in-process clients). */
  socketPath?: string;
  userAgent?: string;
  /** Client-side deadline for non-streaming requests (default 60 s). */
  timeoutMs?: number;
  /** Sockets per server for ordinary requests (default 64). Watches use their own pool. */
  maxSockets?: number;
  clock: Clock;
}

export interface HttpRequest {
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Streaming requests (watch) get no client-side deadline unless given one here. */
  stream?: boolean;
  timeoutMs?: number;
}

export interface Transport {
  /** Sends and buffers the whole reply. Throws ClientError(code 0) on transport failure. */
  send(req: HttpRequest): Promise<{ code: number; headers: http.IncomingHttpHeaders; body: string }>;
  /** Sends and returns the live response for streaming; the caller must consume or destroy it. */
  open(req: HttpRequest): Promise<http.IncomingMessage>;
  close(): void;
}

const MAX_429_RETRIES = 3;

export function createTransport(opts: TransportOptions): Transport {
  const url = new URL(opts.server);
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  // One secure context for every connection: without it each new socket parsed the CA bundle and
  // the client key again (a few ms of CPU each, and watches open a socket apiece).
  const tls = secure
    ? { secureContext: createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }), rejectUnauthorized: !opts.insecureSkipTlsVerify }
    : {};
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, ...tls };
  const agent = secure ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
  // Watches hold a socket for minutes; a separate unbounded pool keeps them from starving requests.
  const watchAgent = secure ? new https.Agent({ ...agentOpts, maxSockets: Infinity }) : new http.Agent({ ...agentOpts, maxSockets: Infinity });
  const basePath = url.pathname.replace(/\/+$/, '');

  function once(req: HttpRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(req.signal.reason);
      const headers: Record<string, string> = {
        Accept: req.accept ?? 'application/json',
        'User-Agent': opts.userAgent ?? 'peapod-client',
      };
      if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
      if (req.body !== undefined) {
        headers['Content-Type'] = req.contentType ?? 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(req.body));
      }
      const r = mod.request({
        protocol: url.protocol,
        ...(opts.socketPath ? { socketPath: opts.socketPath } : { hostname: url.hostname, port: url.port || (secure ? 443 : 80) }),
        path: basePath + req.path,
        method: req.method,
        headers,
        agent: req.stream ? watchAgent : agent,
      });
      const timeoutMs = req.timeoutMs ?? (req.stream ? undefined : (opts.timeoutMs ?? 60_000));
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => r.destroy(new Error(`request timed out after ${timeoutMs} ms`)), timeoutMs);
      let response: http.IncomingMessage | undefined;
      // Once the reply has fully arrived its socket may already be back in the keep-alive pool:
      // destroying the request then would raise an unhandled error on a pooled socket.
      const onAbort = (): void => {
        if (!response) r.destroy(req.signal?.reason);
        else if (!response.complete) response.destroy();
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      r.on('response', (res) => {
        response = res;
        // The deadline and abort wiring last until the body is read (or the stream closes).
        res.on('close', cleanup);
        resolve(res);
      });
      r.on('error', (err) => {
        cleanup();
        reject(req.signal?.aborted ? req.signal.reason : Object.assign(err, { reused: r.reusedSocket }));
      });
      r.end(req.body);
    });
  }

  async function openWithRetry(req: HttpRequest): Promise<http.IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      let res: http.IncomingMessage;
      try {
        res = await once(req);
      } catch (err) {
        if (req.signal?.aborted) throw err;
        const reused = (err as { reused?: boolean }).reused === true;
        const code = (err as { code?: string }).code;
        if (attempt === 0 && reused && req.method === 'GET' && code === 'ECONNRESET') continue;
        throw transportError(err, `${req.method} ${req.path}`);
      }
      if (res.statusCode === 429 && attempt < MAX_429_RETRIES) {
        const after = Number(res.headers['retry-after'] ?? '1');
        res.resume();
        await sleep(opts.clock, Math.min(Number.isFinite(after) ? after : 1, 10) * 1000, req.signal);
        continue;
      }
      return res;
    }
  }

  return {
    open: openWithRetry,
    async send(req) {
      const res = await openWithRetry(req);
      let body: Buffer;
      try {
        body = await readAll(res);
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        throw transportError(err, `${req.method} ${req.path}`);
      }
      return { code: res.statusCode ?? 0, headers: res.headers, body: body.toString('utf8') };
    },
    close() {
      agent.destroy();
      watchAgent.destroy();
    },
  };
}
