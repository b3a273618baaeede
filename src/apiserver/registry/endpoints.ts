// core/v1 Endpoints: the legacy per-Service address list the Endpoints controller keeps (and the
// API server, for the `kubernetes` Service). `kubectl get endpoints` prints ready address:port
// pairs (upstream formatEndpoints).
import { isIP } from 'node:net';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { isValidPortNum } from './pods/pod-validation.ts';
import { since } from './age.ts';
import { ageColumn, column, view } from './common.ts';
import { listWithMore } from './endpoint-format.ts';
import type { KObject, ResourceEntry } from './types.ts';

const eps = (obj: KObject): Endpoints => view<Endpoints>(obj);
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function formatEndpoints(e: Endpoints): string {
  const subsets = e.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if ((ss.ports ?? []).length === 0) list.push(...addrs.map((a) => a.ip));
    for (const p of ss.ports ?? []) list.push(...addrs.map((a) => (a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`)));
  }
  return listWithMore(list, '');
}

function validate(e: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (e.subsets ?? []).forEach((ss, i) => {
    const path = `subsets[${i}]`;
    for (const [kind, list] of [
      ['addresses', ss.addresses ?? []],
      ['notReadyAddresses', ss.notReadyAddresses ?? []],
    ] as const) {
      list.forEach((a, j) => {
        if (isIP(a.ip) === 0) errs.push(fieldErrors.invalid(`${path}.${kind}[${j}].ip`, a.ip, 'must be a valid IP address'));
      });
    }
    const ports = ss.ports ?? [];
    ports.forEach((p, j) => {
      const pp = `${path}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(fieldErrors.required(`${pp}.name`));
      for (const m of isValidPortNum(p.port)) errs.push(fieldErrors.invalid(`${pp}.port`, p.port, m));
      if (!p.protocol) errs.push(fieldErrors.required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldErrors.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    });
  });
  return errs;
}

export const endpoints: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  resource: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: 'io.k8s.api.core.v1.Endpoints',
  columns: [column('Endpoints', 'Endpoints is the list of endpoints in this Endpoint Set.'), ageColumn],
  row: (obj, ctx) => [formatEndpoints(eps(obj)), since(obj.metadata?.creationTimestamp, ctx)],
  defaults(obj) {
    for (const ss of eps(obj).subsets ?? []) for (const p of ss.ports ?? []) (p as { protocol?: string }).protocol ??= 'TCP';
  },
  validate: (obj) => validate(eps(obj)),
};
