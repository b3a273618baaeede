// Admission for ResourceQuota and LimitRange (upstream plugins ResourceQuota and LimitRanger).
// LimitRanger runs first: it fills container requests/limits from the namespace's LimitRanges and
// refuses pods outside min/max/maxLimitRequestRatio. ResourceQuota then refuses creates that would
// take a namespace past a quota's hard limits, counting what is stored now (so usage is current
// even before the quota controller has written status.used).
import { countedResource, formatQuantity, missingCompute, objectUsage, parseQuantity } from '../api/index.ts';
import { ApiError } from './errors.ts';
import { isRecord } from './registry/common.ts';
import type { KObject, ResourceEntry } from './registry/types.ts';
import type { AdmissionPlugin } from './store/generic-store.ts';

/** Lists the objects of a collection in a namespace ([] when the collection is not served). */
export type NamespaceLister = (group: string, resource: string, namespace: string) => Promise<KObject[]>;

function forbidden(entry: ResourceEntry, obj: KObject, message: string): ApiError {
  const name = obj.metadata?.name ?? '';
  const qualified = entry.group ? `${entry.resource}.${entry.group}` : entry.resource;
  return new ApiError(403, 'Forbidden', `${qualified} "${name}" is forbidden: ${message}`, {
    name,
    ...(entry.group ? { group: entry.group } : {}),
    kind: entry.resource,
  });
}

type ResourceList = Record<string, string | number>;
interface Container {
  name?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}
interface LimitItem {
  type?: string;
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}

export function limitRanger(list: NamespaceLister): AdmissionPlugin {
  return async ({ operation, entry, namespace, obj, subresource }) => {
    if (operation !== 'CREATE' || subresource || entry.group !== '' || entry.resource !== 'pods' || !namespace) return;
    const items = (await list('', 'limitranges', namespace)).flatMap((r) => ((isRecord(r.spec) ? r.spec.limits : undefined) ?? []) as LimitItem[]);
    const container = items.filter((i) => i.type === 'Container');
    if (container.length === 0) return;
    const spec = (obj.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
    const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
    const applied: string[] = [];
    for (const item of container) {
      for (const c of all) {
        const res = (c.resources ??= {});
        for (const [k, v] of Object.entries(item.default ?? {})) {
          if ((res.limits ??= {})[k] !== undefined) continue;
          res.limits[k] = v;
          applied.push(`${k} limit for container ${c.name ?? ''}`);
        }
        for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
          if ((res.requests ??= {})[k] !== undefined) continue;
          res.requests[k] = v;
          applied.push(`${k} request for container ${c.name ?? ''}`);
        }
      }
    }
    if (applied.length > 0) {
      const meta = (obj.metadata ??= {});
      meta.annotations = { ...(meta.annotations ?? {}), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${applied.join('; ')}` };
    }
    const errors: string[] = [];
    for (const item of container) for (const c of all) errors.push(...containerViolations(item, c));
    if (errors.length === 1) throw forbidden(entry, obj, errors[0]!);
    if (errors.length > 1) throw forbidden(entry, obj, `[${errors.join(', ')}]`);
  };
}

function containerViolations(item: LimitItem, c: Container): string[] {
  const errs: string[] = [];
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const [k, min] of Object.entries(item.min ?? {})) {
    const req = requests[k];
    if (req === undefined) errs.push(`minimum ${k} usage per Container is ${min}.  No request is specified`);
    else if (parseQuantity(req) < parseQuantity(min)) errs.push(`minimum ${k} usage per Container is ${min}, but request is ${req}`);
  }
  for (const [k, max] of Object.entries(item.max ?? {})) {
    const lim = limits[k];
    if (lim === undefined) errs.push(`maximum ${k} usage per Container is ${max}.  No limit is specified`);
    else if (parseQuantity(lim) > parseQuantity(max)) errs.push(`maximum ${k} usage per Container is ${max}, but limit is ${lim}`);
  }
  for (const [k, ratio] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const lim = limits[k];
    const req = requests[k];
    if (lim === undefined || req === undefined || parseQuantity(req) === 0) continue;
    const actual = parseQuantity(lim) / parseQuantity(req);
    if (actual > parseQuantity(ratio)) errs.push(`${k} max limit to request ratio per Container is ${ratio}, but provided ratio is ${actual.toFixed(6)}`);
  }
  return errs;
}

/** How long an admitted create holds its share of a quota before its object must be stored. */
const RESERVATION_MS = 5000;

interface Reservation {
  readonly namespace: string;
  readonly quotaResource: string;
  readonly object: string;
  readonly amount: number;
  readonly until: number;
}

export function resourceQuotaAdmission(list: NamespaceLister, clock: { now(): Date } = { now: () => new Date() }): AdmissionPlugin {
  // Creates admitted but not yet stored. Concurrent creates would otherwise all see the same stored
  // usage and together exceed the quota (upstream serialises through the quota's status instead).
  // The check and the reservation happen with no await between them, so they are atomic here.
  let reservations: Reservation[] = [];
  return async ({ operation, entry, namespace, obj, subresource }) => {
    if (operation !== 'CREATE' || subresource || !namespace || !entry.namespaced) return;
    if (entry.group === '' && entry.resource === 'resourcequotas') return;
    const quotas = await list('', 'resourcequotas', namespace);
    for (const q of quotas) {
      const hard = ((isRecord(q.spec) ? q.spec.hard : undefined) ?? {}) as ResourceList;
      const exceeded: { name: string; requested: number; used: number; limited: number }[] = [];
      const missing: string[] = [];
      const measured: { name: string; requested: number; stored: KObject[]; usedStored: number; limited: number }[] = [];
      for (const [name, raw] of Object.entries(hard)) {
        const counted = countedResource(name);
        if (!counted || counted.group !== entry.group || counted.resource !== entry.resource) continue;
        if (missingCompute(name, obj)) {
          missing.push(name);
          continue;
        }
        const requested = objectUsage(name, counted, obj);
        if (requested === 0) continue;
        const stored = await list(counted.group, counted.resource, namespace);
        measured.push({ name, requested, stored, usedStored: stored.reduce((sum, o) => sum + objectUsage(name, counted, o), 0), limited: parseQuantity(raw) });
      }
      // No await from here to the reservation below.
      const now = clock.now().getTime();
      reservations = reservations.filter((r) => r.until > now);
      const objectKey = `${entry.group}/${entry.resource}/${obj.metadata?.name ?? ''}`;
      for (const m of measured) {
        const storedNames = new Set(m.stored.map((o) => `${entry.group}/${entry.resource}/${o.metadata?.name ?? ''}`));
        // A reservation whose object is stored has done its job (and must not count again once the
        // object is deleted).
        reservations = reservations.filter((r) => !(r.namespace === namespace && r.quotaResource === m.name && storedNames.has(r.object)));
        const pending = reservations
          .filter((r) => r.namespace === namespace && r.quotaResource === m.name && r.object !== objectKey && !storedNames.has(r.object))
          .reduce((sum, r) => sum + r.amount, 0);
        const used = m.usedStored + pending;
        if (used + m.requested > m.limited) exceeded.push({ name: m.name, requested: m.requested, used, limited: m.limited });
      }
      const quotaName = q.metadata?.name ?? '';
      if (missing.length > 0) throw forbidden(entry, obj, `failed quota: ${quotaName}: must specify ${missing.sort().join(',')}`);
      if (exceeded.length > 0) {
        exceeded.sort((a, b) => (a.name < b.name ? -1 : 1));
        const show = (pick: (e: (typeof exceeded)[number]) => number) => exceeded.map((e) => `${e.name}=${formatQuantity(e.name, pick(e))}`).join(',');
        throw forbidden(
          entry,
          obj,
          `exceeded quota: ${quotaName}, requested: ${show((e) => e.requested)}, used: ${show((e) => e.used)}, limited: ${show((e) => e.limited)}`,
        );
      }
      for (const m of measured) {
        reservations.push({ namespace, quotaResource: m.name, object: objectKey, amount: m.requested, until: now + RESERVATION_MS });
      }
    }
  };
}
