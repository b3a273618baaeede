// pods/{[scheme:]name[:port]}/proxy/{path}: forwards the HTTP request to the pod's IP (the API
// server reaches pod IPs directly; the agent runs on the same machine or routes the pod CIDR).
// The port defaults to the first declared containerPort (80 when none), as upstream; a named port
// is looked up among the containers' ports. Deviation: upstream allows only global unicast pod
// IPs ("address not allowed"); loopback is accepted here so hollow/test pods on 127.0.0.1 work.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, badRequest } from '../../errors.ts';
import type { RequestScope } from '../../context.ts';
import { forwardHeaders } from './agent-client.ts';
import { loadPod } from './pod-target.ts';

export function parseProxyName(raw: string): { scheme: string; name: string; port: string } {
  const parts = raw.split(':');
  if (parts.length === 1) return { scheme: '', name: raw, port: '' };
  if (parts.length === 2) return { scheme: '', name: parts[0]!, port: parts[1]! };
  if (parts.length === 3) return { scheme: parts[0]!, name: parts[1]!, port: parts[2]! };
  throw badRequest(`invalid request ${JSON.stringify(raw)}`);
}

export function proxyPort(pod: Pod, port: string): number {
  const containers = pod.spec?.containers ?? [];
  if (port === '') {
    for (const c of containers) {
      const first = c.ports?.[0];
      if (first) return first.containerPort;
    }
    return 80;
  }
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of containers) {
    const named = c.ports?.find((p) => p.name === port);
    if (named) return named.containerPort;
  }
  throw badRequest(`invalid port ${JSON.stringify(port)}`);
}

export async function servePodProxy(scope: RequestScope): Promise<void> {
  const { scheme, name, port } = parseProxyName(scope.info.name!);
  const pod = await loadPod(scope.ctx, scope.info.namespace ?? 'default', name);
  const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
  if (isIP(ip) === 0 || ip === '0.0.0.0' || ip === '::') throw badRequest('address not allowed');
  const targetPort = proxyPort(pod, port);
  // The path after `/proxy`, trailing slash kept (parseRequestPath drops empty segments).
  await proxyHttp(scope, { ip, port: targetPort, scheme, pattern: /\/pods\/[^/]+\/proxy(\/.*)?$/ });
}

/**
 * Forwards the request to `ip:port` over HTTP(S) and streams the answer back. `pattern` captures
 * the path after `/proxy` in the request URL (trailing slash kept).
 */
export async function proxyHttp(scope: RequestScope, target: { ip: string; port: number; scheme: string; pattern: RegExp }): Promise<void> {
  const { ip, scheme } = target;
  const targetPort = target.port;
  const url = new URL(scope.req.url ?? '/', 'https://apiserver');
  const m = target.pattern.exec(url.pathname);
  const path = `${m?.[1] ?? '/'}${url.search}`;
  const useTls = scheme === 'https';
  const doRequest = useTls ? httpsRequest : httpRequest;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  await new Promise<void>((resolve, reject) => {
    const upstream = doRequest(
      {
        host: ip,
        port: targetPort,
        method: scope.req.method,
        path,
        headers: { ...forwardHeaders(scope.req.headers, { upgrade: false }), host: `${host}:${targetPort}` },
        ...(useTls ? { rejectUnauthorized: false } : {}),
        agent: false,
      },
      (res: IncomingMessage) => {
        const headers = { ...res.headers };
        delete headers.connection;
        delete headers['keep-alive'];
        scope.res.writeHead(res.statusCode ?? 502, headers);
        res.pipe(scope.res);
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    upstream.on('error', (e) => reject(new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`)));
    scope.res.on('close', () => upstream.destroy());
    scope.req.pipe(upstream);
  });
}
