// discovery.k8s.io/v1 EndpointSlice: up to 100 endpoints of a Service with their conditions,
// written by the EndpointSlice controller (src/controllers/endpointslice) and read by every node
// proxy and DNS server. Table as upstream printEndpointSlice.
import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { FIELD_IMMUTABLE } from '../validation/object-meta.ts';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names.ts';
import { isValidPortNum } from './pods/pod-validation.ts';
import { since } from './age.ts';
import { ageColumn, column, view } from './common.ts';
import { listWithMore } from './endpoint-format.ts';
import type { KObject, ResourceEntry } from './types.ts';

const slice = (obj: KObject): EndpointSlice => view<EndpointSlice>(obj);
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

function validAddress(type: string, a: string): string | undefined {
  if (type === 'IPv4') return isIPv4(a) ? undefined : 'must be a valid IPv4 address';
  if (type === 'IPv6') return isIPv6(a) ? undefined : 'must be a valid IPv6 address';
  return isDNS1123Subdomain(a)[0];
}

function validate(s: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const type = s.addressType;
  if (!type) errs.push(fieldErrors.required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(fieldErrors.notSupported('addressType', type, ADDRESS_TYPES));
  const list = s.endpoints ?? [];
  if (list.length > MAX_ENDPOINTS) errs.push(fieldErrors.invalid('endpoints', list.length, `must have at most ${MAX_ENDPOINTS} items`));
  list.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addrs = ep.addresses ?? [];
    if (addrs.length === 0) errs.push(fieldErrors.required(`${path}.addresses`, 'must contain at least 1 address'));
    if (addrs.length > MAX_ADDRESSES) errs.push(fieldErrors.invalid(`${path}.addresses`, addrs.length, `must have at most ${MAX_ADDRESSES} items`));
    addrs.forEach((a, j) => {
      const msg = type ? validAddress(type, a) : undefined;
      if (msg) errs.push(fieldErrors.invalid(`${path}.addresses[${j}]`, a, msg));
    });
    if (ep.nodeName) for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldErrors.invalid(`${path}.nodeName`, ep.nodeName, m));
    if (ep.hostname) for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, ep.hostname, m));
  });
  const ports = s.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push(fieldErrors.invalid('ports', ports.length, `must have at most ${MAX_PORTS} items`));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = p.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
    names.add(name);
    if (p.protocol && !PROTOCOLS.includes(p.protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
    if (p.port !== undefined && p.port !== null) for (const m of isValidPortNum(p.port)) errs.push(fieldErrors.invalid(`${path}.port`, p.port, m));
  });
  return errs;
}

function portsColumn(s: EndpointSlice): string {
  return listWithMore(
    (s.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ? p.name : '*')),
    '<unset>',
  );
}

function endpointsColumn(s: EndpointSlice): string {
  return listWithMore(
    (s.endpoints ?? []).flatMap((e) => e.addresses ?? []),
    '<unset>',
  );
}

export const endpointslices: ResourceEntry = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  resource: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  schema: 'io.k8s.api.discovery.v1.EndpointSlice',
  columns: [
    column('AddressType', 'The type of address assigned to the endpoints in this slice.'),
    column('Ports', 'Ports served by the endpoints in this slice.'),
    column('Endpoints', 'Addresses of the endpoints in this slice.'),
    ageColumn,
  ],
  row(obj, ctx) {
    const s = slice(obj);
    return [s.addressType ?? '', portsColumn(s), endpointsColumn(s), since(obj.metadata?.creationTimestamp, ctx)];
  },
  defaults(obj) {
    for (const p of slice(obj).ports ?? []) (p as { protocol?: string }).protocol ??= 'TCP';
  },
  validate: (obj) => validate(slice(obj)),
  validateUpdate(obj, old) {
    const a = slice(obj).addressType;
    const b = slice(old).addressType;
    return a !== b ? [fieldErrors.invalid('addressType', a, FIELD_IMMUTABLE)] : [];
  },
};
