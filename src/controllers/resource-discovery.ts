// The served collections, kept current: discovery is read at start-up and again whenever a
// CustomResourceDefinition changes (and every REFRESH_MS, for anything else that adds resources),
// so the garbage collector and namespace deletion cover resources added after start-up.
import type { Clock, Client, InformerFactory, KubeObject, Logger, ResourceRef } from '../client/index.ts';
import { sleep } from '../client/index.ts';
import { discoverResources, type DiscoveredResource } from './discovery.ts';

const REFRESH_MS = 30_000;
/** CRD events come in bursts (create, then status); one re-read covers a burst. */
const DEBOUNCE_MS = 100;

const CRDS: ResourceRef = Object.freeze({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false });

export interface ResourceDiscovery {
  current(): readonly DiscoveredResource[];
  /** Calls `fn` for each resource present now and for each one discovered later. */
  onAdd(fn: (r: DiscoveredResource) => void): void;
  /** Re-reads discovery until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

const keyOf = (r: DiscoveredResource) => `${r.ref.group}/${r.ref.version}/${r.ref.resource}`;

export function createResourceDiscovery(
  client: Client,
  opts: { initial: readonly DiscoveredResource[]; informers: InformerFactory; clock: Clock; logger: Logger },
): ResourceDiscovery {
  let resources = [...opts.initial];
  const known = new Set(resources.map(keyOf));
  const listeners: ((r: DiscoveredResource) => void)[] = [];
  let wake: (() => void) | undefined;
  let dirty = false;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const crds = opts.informers.informerFor<KubeObject>(CRDS);
  crds.on('add', poke);
  crds.on('update', poke);
  crds.on('delete', poke);

  const refresh = async (signal: AbortSignal) => {
    const next = await discoverResources(client, signal);
    resources = next;
    for (const r of next) {
      if (known.has(keyOf(r))) continue;
      known.add(keyOf(r));
      for (const fn of listeners) fn(r);
    }
  };

  return {
    current: () => resources,
    onAdd(fn) {
      listeners.push(fn);
      for (const r of resources) fn(r);
    },
    async run(signal) {
      while (!signal.aborted) {
        if (!dirty) {
          // Sleep until the next periodic refresh, or until a CRD event cuts the sleep short.
          const nap = new AbortController();
          const stop = () => nap.abort();
          signal.addEventListener('abort', stop, { once: true });
          wake = stop;
          await sleep(opts.clock, REFRESH_MS, nap.signal).catch(() => undefined);
          signal.removeEventListener('abort', stop);
          wake = undefined;
        }
        if (signal.aborted) return;
        await sleep(opts.clock, DEBOUNCE_MS, signal).catch(() => undefined);
        dirty = false;
        try {
          await refresh(signal);
        } catch (e) {
          if (!signal.aborted) opts.logger.warn(`discovery refresh failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    },
  };
}
