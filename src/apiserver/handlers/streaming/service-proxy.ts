// services/{[scheme:]name[:port]}/proxy/{path} (upstream service REST ResourceLocation): the port
// is a service port name or number (a number is mapped to that port's name); the request goes to
// a random ready address of the Service's Endpoints that serves that port. Loopback addresses are
// accepted, as for pods/proxy, so test backends on 127.0.0.1 work.
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import { ApiError, notFound } from '../../errors.ts';
import type { RequestScope } from '../../context.ts';
import { parseProxyName, proxyHttp } from './pod-proxy.ts';

const unavailable = (msg: string): ApiError => new ApiError(503, 'ServiceUnavailable', msg);

async function load<T>(scope: RequestScope, resource: string, namespace: string, name: string): Promise<T> {
  const handle = scope.ctx.byGroupResource('', resource);
  if (!handle) throw notFound({ group: '', resource }, name);
  return (await handle.store.get(namespace, name)) as unknown as T;
}

/** A random ready `ip:port` of `eps` for the service port named `portName`. */
export function pickEndpoint(eps: Endpoints, portName: string, random: () => number = Math.random): { ip: string; port: number } | undefined {
  const subsets = eps.subsets ?? [];
  const seed = Math.floor(random() * subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(seed + i) % subsets.length]!;
    const addrs = ss.addresses ?? [];
    const port = (ss.ports ?? []).find((p) => (p.name ?? '') === portName);
    if (addrs.length === 0 || !port) continue;
    const addr = addrs[Math.floor(random() * addrs.length)]!;
    return { ip: addr.ip, port: port.port };
  }
  return undefined;
}

export async function serveServiceProxy(scope: RequestScope): Promise<void> {
  const { scheme, name, port } = parseProxyName(scope.info.name!);
  const namespace = scope.info.namespace ?? 'default';
  let portName = port;
  if (/^\d+$/.test(port)) {
    const svc = await load<Service>(scope, 'services', namespace, name);
    const found = (svc.spec?.ports ?? []).find((p) => p.port === Number(port));
    if (!found) throw unavailable(`no service port ${port} found for service "${name}"`);
    portName = found.name ?? '';
  }
  let eps: Endpoints;
  try {
    eps = await load<Endpoints>(scope, 'endpoints', namespace, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) throw notFound({ group: '', resource: 'services' }, name);
    throw e;
  }
  const target = pickEndpoint(eps, portName);
  if (!target) throw unavailable(`no endpoints available for service "${name}"`);
  await proxyHttp(scope, { ...target, scheme, pattern: /\/services\/[^/]+\/proxy(\/.*)?$/ });
}
