// The apiextensions controllers of kube-apiserver, folded into one loop inside the server: for each
// CustomResourceDefinition it decides which names are accepted (NamesAccepted; a name another
// definition of the group already holds is a conflict), marks it Established, and adds its served
// versions to the registry — so the resource is served, discovered and described by OpenAPI within
// one watch event. A definition being deleted is marked Terminating, its objects are deleted, then
// the cleanup finalizer is removed and the resource stops being served.
//
// Concurrency: one sync at a time (a single loop over a set of pending names), so registry changes
// and status writes for one definition never interleave.
import { ApiError } from '../errors.ts';
import type { ResourceRegistry } from '../resource-registry.ts';
import type { KObject, StrategyContext } from '../registry/types.ts';
import { rfc3339 } from '../../api/time.ts';
import type { GenericStore } from '../store/generic-store.ts';
import type { WatchCache } from '../watch/watch-cache.ts';
import { CLEANUP_FINALIZER, condition, type Crd, type CrdCondition, type CrdNames } from './crd-types.ts';
import { customResourceEntries } from './custom-resource-entry.ts';
import { computeNames } from './crd-names.ts';

const PREFIX = '/registry/apiextensions.k8s.io/customresourcedefinitions/';
const RETRY_MS = 500;

export interface CrdControllerOptions {
  readonly registry: ResourceRegistry;
  readonly watchCache: WatchCache;
  readonly clock: StrategyContext;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface CrdController {
  stop(): void;
}

export async function startCrdController(crds: GenericStore, options: CrdControllerOptions): Promise<CrdController> {
  const { registry, clock } = options;
  const abort = new AbortController();
  /** Definition name → the group/resource it serves now, and from which generation and names. */
  const served = new Map<string, { group: string; resource: string; version: string }>();
  const terminating = new Set<string>();
  const pending = new Set<string>();
  let running = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const unserve = (name: string) => {
    const s = served.get(name);
    if (s) registry.remove(s.group, s.resource);
    served.delete(name);
    terminating.delete(name);
  };

  const writeStatus = async (name: string, mutate: (c: Crd) => void): Promise<Crd> => {
    const { object } = await crds.guaranteedUpdate(
      undefined,
      name,
      (live) => {
        mutate(live as Crd);
        return live;
      },
      { subresource: 'status' },
    );
    return object as Crd;
  };

  const setCondition = (c: Crd, cond: CrdCondition) => {
    const status = (c.status ??= {});
    const list = status.conditions ?? [];
    const old = list.find((x) => x.type === cond.type);
    const same = old && old.status === cond.status;
    const next = { ...cond, lastTransitionTime: same ? old.lastTransitionTime : rfc3339(clock.now()) };
    status.conditions = old ? list.map((x) => (x === old ? next : x)) : [...list, next];
  };

  /** Deletes every object of the definition; true once none is left. */
  const deleteInstances = async (name: string): Promise<boolean> => {
    const s = served.get(name);
    const handle = s && registry.byGroupResource(s.group, s.resource);
    if (!handle) return true;
    const { items } = await handle.store.list(undefined);
    for (const item of items) {
      await handle.store.delete(item.metadata?.namespace, item.metadata?.name ?? '', { propagationPolicy: 'Background' }).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      });
    }
    return (await handle.store.list(undefined, { limit: 1 })).items.length === 0;
  };

  const finalize = async (c: Crd): Promise<boolean> => {
    const name = c.metadata!.name!;
    terminating.add(name);
    if (condition(c, 'Terminating')?.status !== 'True') {
      await writeStatus(name, (live) =>
        setCondition(live, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }),
      );
    }
    if (!(await deleteInstances(name))) return false;
    unserve(name);
    if ((c.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      await crds.guaranteedUpdate(undefined, name, (live) => {
        live.metadata = { ...live.metadata, finalizers: (live.metadata?.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) };
        return live;
      });
    }
    return true;
  };

  const sync = async (name: string): Promise<boolean> => {
    let c: Crd;
    try {
      c = (await crds.get(undefined, name)) as Crd;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        unserve(name);
        return true;
      }
      throw e;
    }
    if (c.metadata?.deletionTimestamp) return finalize(c);
    const others = (await crds.list(undefined)).items.filter((o: KObject) => o.metadata?.name !== name) as Crd[];
    const result = computeNames(c, others);
    const storage = (c.spec?.versions ?? []).find((v) => v.storage)?.name;
    const stored = c.status?.storedVersions ?? [];
    const needsWrite =
      JSON.stringify(c.status?.acceptedNames ?? {}) !== JSON.stringify(result.acceptedNames) ||
      condition(c, 'NamesAccepted')?.status !== result.namesAccepted.status ||
      condition(c, 'NamesAccepted')?.reason !== result.namesAccepted.reason ||
      condition(c, 'Established')?.status !== result.established.status ||
      (storage !== undefined && !stored.includes(storage));
    if (needsWrite) {
      c = await writeStatus(name, (live) => {
        const status = (live.status ??= {});
        status.acceptedNames = result.acceptedNames;
        setCondition(live, result.namesAccepted);
        setCondition(live, result.established);
        if (storage && !(status.storedVersions ?? []).includes(storage)) status.storedVersions = [...(status.storedVersions ?? []), storage];
      });
    }
    if (result.namesAccepted.status === 'True') serve(c, result.acceptedNames);
    return true;
  };

  const serve = (c: Crd, names: CrdNames) => {
    const name = c.metadata!.name!;
    const group = c.spec!.group!;
    // Unchanged definitions keep their entries: replacing them would end the resource's watches.
    const version = `${c.metadata?.uid}/${c.metadata?.generation}/${JSON.stringify(names)}`;
    if (served.get(name)?.version === version) return;
    // A definition never replaces a built-in resource (or another definition's).
    const holder = registry.byGroupResource(group, names.plural!);
    const mine = served.get(name);
    if (holder && !(mine && mine.group === group && mine.resource === names.plural)) {
      options.log?.('customresourcedefinition not served: the resource exists', { name, group, resource: names.plural });
      return;
    }
    const entries = customResourceEntries(c, names, { terminating: () => terminating.has(name) });
    const before = served.get(name);
    if (before && (before.group !== group || before.resource !== names.plural)) unserve(name);
    const versions = new Set(entries.map((e) => e.version));
    registry.remove(group, names.plural!, (e) => !versions.has(e.version));
    for (const e of entries) registry.add(e);
    served.set(name, { group, resource: names.plural!, version });
  };

  const drain = async () => {
    if (running) return;
    running = true;
    try {
      while (pending.size > 0 && !abort.signal.aborted) {
        const name = pending.values().next().value as string;
        pending.delete(name);
        let done = false;
        try {
          done = await sync(name);
        } catch (e) {
          options.log?.('customresourcedefinition sync failed', { name, error: e instanceof Error ? e.message : String(e) });
        }
        if (!done) retryLater(name);
      }
    } finally {
      running = false;
    }
  };

  const retryLater = (name: string) => {
    if (abort.signal.aborted) return;
    retryTimer = setTimeout(() => {
      pending.add(name);
      void drain();
    }, RETRY_MS);
  };

  const enqueue = (name: string | undefined) => {
    if (!name) return;
    pending.add(name);
    void drain();
  };

  const list = await crds.list(undefined);
  for (const c of list.items) pending.add(c.metadata?.name ?? '');
  await drain();
  await options.watchCache.subscribe(
    PREFIX,
    Number(list.resourceVersion),
    (e) => {
      enqueue(e.object.metadata?.name);
      // A change of names may free (or take) a name another definition of the group wants.
      for (const other of served.keys()) if (other !== e.object.metadata?.name) pending.add(other);
      for (const t of terminating) pending.add(t);
    },
    abort.signal,
  );
  return {
    stop() {
      abort.abort();
      clearTimeout(retryTimer);
    },
  };
}
