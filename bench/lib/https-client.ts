// A keep-alive HTTPS client for the Peapod API (CA-pinned, bearer token). Latency figures are taken
// around `request`: from the call until the last byte of the response body has arrived.
import { Agent, request as httpsRequest } from 'node:https';

export interface ClientOptions {
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  /** Sockets kept open to the server (default 64). */
  readonly maxSockets?: number;
}

export interface Response {
  readonly status: number;
  readonly body: string;
}

export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = 'HttpError';
  }
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Defaults to application/json when there is a body. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export class ApiClient {
  readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly opts: ClientOptions) {
    this.base = new URL(opts.url);
    this.agent = new Agent({ ca: opts.caPem, keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
  }

  /** Any status; rejects only on transport errors. */
  request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          signal: opts.signal,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `request`, but a non-2xx status is an HttpError. */
  async ok(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.request(method, path, opts);
    if (res.status < 200 || res.status >= 300) throw new HttpError(method, path, res.status, res.body);
    return res;
  }

  /**
   * Opens a watch (`path` must include `watch=1`) and calls `onLine` for every JSON line as it
   * arrives. Resolves when the server ends the stream or `signal` aborts it.
   */
  watch(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method: 'GET',
          path,
          headers: { authorization: `Bearer ${this.opts.token}`, accept: 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => reject(new HttpError('GET', path, res.statusCode ?? 0, body)));
            return;
          }
          let partial = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            let start = 0;
            let nl = chunk.indexOf('\n');
            while (nl >= 0) {
              onLine(partial + chunk.slice(start, nl));
              partial = '';
              start = nl + 1;
              nl = chunk.indexOf('\n', start);
            }
            partial += chunk.slice(start);
          });
          res.on('end', () => resolve());
          res.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
        },
      );
      const abort = (): void => {
        req.destroy();
        resolve();
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      req.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
