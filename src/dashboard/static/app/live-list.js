// useLiveList(path): the objects at a list path, kept current by watch. Events are applied to a
// Map as they arrive and the component re-renders at most once per animation frame, so a burst of
// thousands of events costs one render.
import { useEffect, useState } from 'preact/hooks';
import { listWatch } from './api.js';

const keyOf = (o) => o.metadata?.uid ?? `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byNamespaceName = (a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);

export function useLiveList(path, { sort = byNamespaceName, query } = {}) {
  const [state, setState] = useState({ items: [], loaded: false, error: undefined });
  const q = JSON.stringify(query ?? {});
  useEffect(() => {
    if (!path) return undefined;
    const abort = new AbortController();
    const objects = new Map();
    let error;
    let loaded = false;
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (abort.signal.aborted) return;
      setState({ items: [...objects.values()].sort(sort), loaded, error });
    };
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      setTimeout(flush, 16);
    };
    listWatch(path, {
      signal: abort.signal,
      query: query ?? {},
      onReset(items, { first, last }) {
        if (first) objects.clear();
        for (const o of items) objects.set(keyOf(o), o);
        if (last) loaded = true;
        schedule();
      },
      onEvent(type, o) {
        if (type === 'DELETED') objects.delete(keyOf(o));
        else objects.set(keyOf(o), o);
        schedule();
      },
      onError(e) {
        error = e;
        schedule();
      },
    });
    return () => abort.abort();
  }, [path, q]);
  return state;
}
