// Several API servers behind one Transport: a client-side load balancer like the one k3s agents
// run in front of their servers. Requests stick to one server; when it cannot be reached the next
// one becomes current and the request is sent there. Watches need nothing special: a stream
// that dies with its server ends, and the informer re-watches from its last resourceVersion, which
// lands on the new current server (every server on one etcd shares the revision space).
//
// A request is repeated on another server only when repeating cannot apply it twice: a GET, or
// any request whose connection was refused (nothing reached the server). Other failures are
// returned to the caller, and the next request goes to the next server.
import { ClientError } from './errors.ts';
import { createTransport, type HttpRequest, type Transport, type TransportOptions } from './http-transport.ts';

/** Errors before the request left this machine: safe to send elsewhere whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/** `https://a:6443,https://b:6443` (or one URL) as a list. */
export function splitServers(server: string): string[] {
  return server
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function causeCode(e: unknown): string | undefined {
  const cause = e instanceof ClientError ? (e as Error & { cause?: unknown }).cause : e;
  return (cause as { code?: string } | undefined)?.code;
}

/** True for a transport failure (no HTTP reply), the only kind that says a server is unreachable. */
function unreachable(e: unknown): boolean {
  return e instanceof ClientError && e.code === 0;
}

export function createFailoverTransport(servers: readonly string[], opts: TransportOptions): Transport {
  const transports = servers.map((server) => createTransport({ ...opts, server }));
  let current = 0;

  async function attempt<R>(req: HttpRequest, run: (t: Transport) => Promise<R>): Promise<R> {
    let lastError: unknown;
    for (let tried = 0; tried < transports.length; tried++) {
      const index = current;
      try {
        return await run(transports[index]!);
      } catch (e) {
        if (req.signal?.aborted || !unreachable(e)) throw e;
        lastError = e;
        // Another request may have moved on already; only the first to notice advances.
        if (current === index) current = (index + 1) % transports.length;
        if (req.method !== 'GET' && !NOT_SENT.has(causeCode(e) ?? '')) throw e;
      }
    }
    throw lastError;
  }

  return {
    send: (req) => attempt(req, (t) => t.send(req)),
    open: (req) => attempt(req, (t) => t.open(req)),
    close() {
      for (const t of transports) t.close();
    },
  };
}
