// The collections the server serves, read from legacy discovery (/api/v1, /apis, /apis/<g>/<v>)
// so the garbage collector and namespace controller cover every resource, including ones other
// components add later. Subresources are skipped; only preferred versions are used.
import type { Client, ResourceRef } from '../client/index.ts';

export interface DiscoveredResource {
  readonly ref: ResourceRef;
  /** `v1`, `apps/v1`: how owner references name this kind. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly verbs: readonly string[];
}

interface ApiResourceList {
  resources?: { name: string; namespaced: boolean; kind: string; verbs?: string[] }[];
}
interface ApiGroupList {
  groups?: { name: string; preferredVersion?: { groupVersion: string; version: string } }[];
}

export async function discoverResources(client: Client, signal?: AbortSignal): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  const add = (group: string, version: string, list: ApiResourceList): void => {
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      out.push({
        ref: { group, version, resource: r.name, namespaced: r.namespaced },
        apiVersion: group ? `${group}/${version}` : version,
        kind: r.kind,
        verbs: r.verbs ?? [],
      });
    }
  };
  add('', 'v1', await client.raw<ApiResourceList>('GET', '/api/v1', undefined, { signal }));
  const groups = await client.raw<ApiGroupList>('GET', '/apis', undefined, { signal });
  for (const g of groups.groups ?? []) {
    const v = g.preferredVersion?.version;
    if (!v) continue;
    add(g.name, v, await client.raw<ApiResourceList>('GET', `/apis/${g.name}/${v}`, undefined, { signal }));
  }
  return out;
}

export const canWatch = (r: DiscoveredResource): boolean => ['list', 'watch'].every((v) => r.verbs.includes(v));
