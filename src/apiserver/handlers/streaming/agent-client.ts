// Requests from the API server to a node agent's streaming endpoint. The API server presents the
// cluster admin bearer token (the agent is configured with it). Like upstream without
// --kubelet-certificate-authority, the agent's serving certificate is only verified when a CA is
// configured (`agentCa`); the agents generate self-signed serving certificates.
import { request, type Agent, type RequestOptions } from 'node:https';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AgentEndpoint } from './pod-target.ts';

export interface AgentAuth {
  /** Bearer token the agents accept. */
  readonly token: string;
  /** CA that signed the agents' serving certificates; unverified when absent. */
  readonly ca?: string;
}

// Hop-by-hop and credential headers are never forwarded as is.
const DROP = new Set([
  'authorization',
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'content-length',
]);

/** Copies the client's end-to-end headers; `upgrade` keeps Connection/Upgrade for 101 proxying. */
export function forwardHeaders(headers: IncomingHttpHeaders, options: { upgrade: boolean }): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || DROP.has(k)) continue;
    out[k] = v;
  }
  if (options.upgrade) {
    out.connection = 'Upgrade';
    if (headers.upgrade) out.upgrade = headers.upgrade;
  }
  return out;
}

/** `agent`: a keep-alive pool for repeated small requests (metrics scrapes); default a fresh connection. */
export function agentRequest(
  endpoint: AgentEndpoint,
  auth: AgentAuth,
  options: { method: string; path: string; headers?: Record<string, string | string[]>; agent?: Agent },
): ClientRequest {
  const opts: RequestOptions = {
    host: endpoint.host,
    port: endpoint.port,
    method: options.method,
    path: options.path,
    headers: { ...(options.headers ?? {}), authorization: `Bearer ${auth.token}` },
    ca: auth.ca,
    rejectUnauthorized: auth.ca !== undefined,
    agent: options.agent ?? false,
  };
  return request(opts);
}

/** Reads a (small) error body from the agent, capped so a misbehaving agent cannot flood us. */
export function readErrorBody(res: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c);
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').trim()));
    res.on('error', () => resolve(Buffer.concat(chunks).toString('utf8').trim()));
  });
}
