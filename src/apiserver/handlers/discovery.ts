// API discovery generated from the registry: aggregated (apidiscovery.k8s.io/v2, two requests
// answer everything) when the client asks for it, else the legacy APIVersions / APIGroupList /
// APIResourceList documents.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext, ResourceHandle } from '../context.ts';
import type { GroupRequest } from '../http/request-info.ts';
import { sendJson } from '../http/respond.ts';
import { pathNotFound } from '../errors.ts';
import type { ResourceEntry, SubresourceInfo } from '../registry/types.ts';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/**
 * Upstream's discovery.StorageVersionHash: base64 of the first 8 bytes of sha256("<group>/<version>/<Kind>")
 * of the version objects are stored in (core group ""), e.g. pods → "xPOwRZ+Yhw8=". Clients compare
 * it to see a storage migration; resources without storage (create-only reviews) have none. Only the
 * APIResourceList documents carry it: apidiscovery's APIResourceDiscovery has no such field.
 */
export function storageVersionHash(entry: Pick<ResourceEntry, 'group' | 'version' | 'kind' | 'verbs'>): string | undefined {
  if (entry.verbs && !entry.verbs.includes('list')) return undefined;
  return createHash('sha256').update(`${entry.group}/${entry.version}/${entry.kind}`).digest().subarray(0, 8).toString('base64');
}

function withStorageVersionHash(entry: ResourceEntry): { storageVersionHash?: string } {
  const hash = storageVersionHash(entry);
  return hash === undefined ? {} : { storageVersionHash: hash };
}

function subresourcesOf(entry: ResourceEntry): SubresourceInfo[] {
  const subs: SubresourceInfo[] = [];
  if (entry.hasStatus) subs.push({ name: 'status', verbs: ['get', 'patch', 'update'] });
  for (const s of entry.subresources ?? []) if (s.name !== 'status') subs.push(s);
  return subs;
}

interface GroupVersion {
  group: string;
  version: string;
  handles: ResourceHandle[];
}

function groupVersions(ctx: ApiContext): GroupVersion[] {
  const map = new Map<string, GroupVersion>();
  for (const h of ctx.resources) {
    const k = `${h.entry.group}/${h.entry.version}`;
    let gv = map.get(k);
    if (!gv) map.set(k, (gv = { group: h.entry.group, version: h.entry.version, handles: [] }));
    gv.handles.push(h);
  }
  return [...map.values()];
}

function aggregatedResource(entry: ResourceEntry): Record<string, unknown> {
  return {
    resource: entry.resource,
    responseKind: { group: entry.group, version: entry.version, kind: entry.kind },
    scope: entry.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: entry.singular,
    verbs: entry.verbs ?? ALL_VERBS,
    ...(entry.shortNames?.length ? { shortNames: entry.shortNames } : {}),
    ...(entry.categories?.length ? { categories: entry.categories } : {}),
    subresources: subresourcesOf(entry).map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? entry.group, version: s.version ?? entry.version, kind: s.kind ?? entry.kind },
      verbs: s.verbs,
    })),
  };
}

function aggregatedList(ctx: ApiContext, legacy: boolean, apiVersion: string): Record<string, unknown> {
  const byGroup = new Map<string, GroupVersion[]>();
  for (const gv of groupVersions(ctx)) {
    if ((gv.group === '') !== legacy) continue;
    const list = byGroup.get(gv.group) ?? [];
    list.push(gv);
    byGroup.set(gv.group, list);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: [...byGroup.entries()].map(([group, gvs]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: gvs.map((gv) => ({
        version: gv.version,
        freshness: 'Current',
        resources: gv.handles.map((h) => aggregatedResource(h.entry)),
      })),
    })),
  };
}

function resourceList(gv: GroupVersion): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const { entry } of gv.handles) {
    resources.push({
      name: entry.resource,
      singularName: entry.singular,
      namespaced: entry.namespaced,
      kind: entry.kind,
      verbs: entry.verbs ?? ALL_VERBS,
      ...(entry.shortNames?.length ? { shortNames: entry.shortNames } : {}),
      ...(entry.categories?.length ? { categories: entry.categories } : {}),
      ...withStorageVersionHash(entry),
    });
    for (const s of subresourcesOf(entry)) {
      resources.push({
        name: `${entry.resource}/${s.name}`,
        singularName: '',
        namespaced: entry.namespaced,
        ...(s.group !== undefined ? { group: s.group } : {}),
        ...(s.version !== undefined ? { version: s.version } : {}),
        kind: s.kind ?? entry.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version,
    resources,
  };
}

function apiGroup(group: string, gvs: GroupVersion[]): Record<string, unknown> {
  const versions = gvs.map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function serveDiscovery(ctx: ApiContext, info: GroupRequest, req: IncomingMessage, res: ServerResponse): void {
  const accept = (req.headers.accept ?? '').replace(/\s+/g, '');
  const gvs = groupVersions(ctx);
  if (info.version === undefined && (info.legacy || info.group === undefined)) {
    const wantsV2 = accept.includes('v=v2;as=APIGroupDiscoveryList');
    const wantsV2beta1 = accept.includes('v=v2beta1;as=APIGroupDiscoveryList');
    if (wantsV2 || wantsV2beta1) {
      const apiVersion = wantsV2 ? 'apidiscovery.k8s.io/v2' : 'apidiscovery.k8s.io/v2beta1';
      const body = JSON.stringify(aggregatedList(ctx, info.legacy, apiVersion));
      res.writeHead(200, { 'Content-Type': wantsV2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1, 'Content-Length': Buffer.byteLength(body), Vary: 'Accept' });
      res.end(body);
      return;
    }
    if (info.legacy) {
      const host = req.headers.host ?? '127.0.0.1';
      sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] });
      return;
    }
    const groups = new Map<string, GroupVersion[]>();
    for (const gv of gvs) if (gv.group) groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv]);
    sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups.entries()].map(([g, v]) => apiGroup(g, v)) });
    return;
  }
  if (info.version === undefined) {
    const mine = gvs.filter((gv) => gv.group === info.group);
    if (mine.length === 0) throw pathNotFound();
    sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(info.group!, mine) });
    return;
  }
  const gv = gvs.find((g) => g.group === (info.group ?? '') && g.version === info.version);
  if (!gv) throw pathNotFound();
  sendJson(res, 200, resourceList(gv));
}
