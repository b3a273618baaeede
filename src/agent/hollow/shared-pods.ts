// One pod watch for all the hollow nodes of a process. A thousand agents each with their own
// `spec.nodeName=<node>` informer would hold a thousand watches on the API server (and a thousand
// lists at start); instead one informer on every bound pod feeds per-node views keyed by
// spec.nodeName, and each agent gets its view as its pod source (AgentOptions.podSource), so the
// agent code path stays the one real nodes run.
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  createInformer,
  createStore,
  keyOf,
  resources,
  type Client,
  type Indexer,
  type Informer,
  type InformerHandlers,
  type Logger,
  type MutableStore,
} from '../../client/index.ts';

type Handlers = { [E in keyof InformerHandlers<Pod>]: Set<InformerHandlers<Pod>[E]> };

interface NodeView {
  store: MutableStore<Pod>;
  handlers: Handlers;
}

function nodeOf(pod: Pod): string {
  return pod.spec?.nodeName ?? '';
}

/**
 * Demultiplexes one informer on bound pods into per-node informer views. Contract of a view: its
 * store holds exactly the pods bound to its node, and it emits add/update/delete for them as a
 * `spec.nodeName=<node>` informer would (a pod that becomes bound is an add: nodeName is set
 * once and never changes). Views share the upstream informer's sync; their start() only waits
 * for the signal, since the upstream runs from start() here.
 */
export class SharedPodInformer {
  readonly #upstream: Informer<Pod>;
  readonly #views = new Map<string, NodeView>();

  constructor(client: Client, opts: { logger?: Logger } = {}) {
    this.#upstream = createInformer<Pod>(client, resources.pods, { fieldSelector: 'spec.nodeName!=', logger: opts.logger, pageSize: 5000 });
    this.#upstream.on('add', (pod) => this.#emitAdd(pod));
    this.#upstream.on('update', (old, pod) => {
      const view = this.#views.get(nodeOf(pod));
      if (!view) return;
      const key = keyOf(pod);
      const had = view.store.get(key) !== undefined;
      view.store.set(key, pod);
      if (had && nodeOf(old) === nodeOf(pod)) for (const h of view.handlers.update) h(old, pod);
      else for (const h of view.handlers.add) h(pod);
    });
    this.#upstream.on('delete', (pod, unknown) => {
      const view = this.#views.get(nodeOf(pod));
      if (!view) return;
      view.store.delete(keyOf(pod));
      for (const h of view.handlers.delete) h(pod, unknown);
    });
  }

  /** Runs the one watch until `signal` aborts. */
  start(signal: AbortSignal): Promise<void> {
    return this.#upstream.start(signal);
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#upstream.waitForSync(signal);
  }

  /** Pods in the shared cache (all nodes). */
  get size(): number {
    return this.#upstream.store.size;
  }

  /** The view of one node's pods (created on first call; pods already cached are in its store). */
  forNode(nodeName: string): Informer<Pod> {
    let view = this.#views.get(nodeName);
    if (!view) {
      view = { store: createStore<Pod>(), handlers: { add: new Set(), update: new Set(), delete: new Set() } };
      this.#views.set(nodeName, view);
      for (const pod of this.#upstream.store.list()) if (nodeOf(pod) === nodeName) view.store.set(keyOf(pod), pod);
    }
    return this.#viewInformer(view);
  }

  #emitAdd(pod: Pod): void {
    const view = this.#views.get(nodeOf(pod));
    if (!view) return;
    view.store.set(keyOf(pod), pod);
    for (const h of view.handlers.add) h(pod);
  }

  #viewInformer(view: NodeView): Informer<Pod> {
    const upstream = this.#upstream;
    return {
      // The upstream already runs; a view's life is its caller's signal. Cached pods are replayed
      // as adds once synced, as a fresh informer's initial list would deliver them (a pod added
      // between forNode() and start() may so be delivered twice: the agent's handlers are
      // idempotent, a repeated add is an update with no change).
      async start(signal: AbortSignal): Promise<void> {
        await upstream.waitForSync(signal).catch(() => undefined);
        if (signal.aborted) return;
        for (const pod of view.store.list()) for (const h of view.handlers.add) h(pod);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        for (const set of Object.values(view.handlers)) set.clear();
      },
      hasSynced: () => upstream.hasSynced(),
      waitForSync: (signal) => upstream.waitForSync(signal),
      store: view.store,
      on<E extends keyof InformerHandlers<Pod>>(event: E, handler: InformerHandlers<Pod>[E]): () => void {
        const set = view.handlers[event] as Set<InformerHandlers<Pod>[E]>;
        set.add(handler);
        return () => void set.delete(handler);
      },
      lastResourceVersion: () => upstream.lastResourceVersion(),
      addIndexer: (name: string, fn: Indexer<Pod>) => view.store.addIndexer(name, fn),
    };
  }
}
