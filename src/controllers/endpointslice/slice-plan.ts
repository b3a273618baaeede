// The pure half of the EndpointSlice controller (upstream reconciler.go, simplified): given the
// endpoints a Service should have, grouped by their port lists, and the slices that exist, decide
// which slices to create, update and delete. Endpoints stay in the slice they are in while they
// exist (few writes per change); new ones fill slices with room before new slices are made; a
// Service without endpoints keeps one empty placeholder slice, as upstream.
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { portsKey } from './pod-endpoints.ts';
import { canonical } from '../../util/index.ts';

export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface DesiredGroup {
  readonly ports: EndpointPort[];
  /** Keyed by the endpoint's identity (its targetRef uid or address). */
  readonly endpoints: Map<string, Endpoint>;
}

export interface SlicePlan {
  /** New slices: ports and endpoints only (the controller adds metadata). */
  readonly create: Array<{ ports: EndpointPort[]; endpoints: Endpoint[] }>;
  /** Existing slices with new content (same name and resourceVersion). */
  readonly update: EndpointSlice[];
  readonly delete: EndpointSlice[];
}

export function endpointKey(e: Endpoint): string {
  return e.targetRef?.uid || (e.addresses ?? []).join(',');
}

export function planSlices(desired: Map<string, DesiredGroup>, existing: readonly EndpointSlice[], max = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const create: SlicePlan['create'] = [];
  const update: EndpointSlice[] = [];
  const del: EndpointSlice[] = [];
  const total = [...desired.values()].reduce((n, g) => n + g.endpoints.size, 0);
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const k = portsKey(s.ports ?? []);
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  if (total === 0) {
    // Keep one placeholder: an existing empty slice if there is one, else reuse or create.
    const empty = existing.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0);
    if (!empty) create.push({ ports: [], endpoints: [] });
    for (const s of existing) if (s !== empty) del.push(s);
    return { create, update, delete: del };
  }
  for (const [key, group] of desired) {
    const remaining = new Map(group.endpoints);
    const slices = (byPorts.get(key) ?? []).map((s) => ({ slice: s, endpoints: [] as Endpoint[], changed: false }));
    byPorts.delete(key);
    for (const entry of slices) {
      for (const e of entry.slice.endpoints ?? []) {
        const want = remaining.get(endpointKey(e));
        if (!want) {
          entry.changed = true;
          continue;
        }
        remaining.delete(endpointKey(e));
        if (canonical(want) !== canonical(e)) entry.changed = true;
        entry.endpoints.push(want);
      }
    }
    // Fill slices that are being written anyway first, then any with room, then new ones.
    const order = [...slices.filter((s) => s.changed), ...slices.filter((s) => !s.changed)];
    const rest = [...remaining.values()];
    for (const entry of order) {
      while (rest.length > 0 && entry.endpoints.length < max) {
        entry.endpoints.push(rest.shift()!);
        entry.changed = true;
      }
    }
    for (let i = 0; i < rest.length; i += max) create.push({ ports: group.ports, endpoints: rest.slice(i, i + max) });
    for (const entry of slices) {
      if (entry.endpoints.length === 0) del.push(entry.slice);
      else if (entry.changed) update.push({ ...entry.slice, endpoints: entry.endpoints });
    }
  }
  for (const rest of byPorts.values()) del.push(...rest);
  return { create, update, delete: del };
}
