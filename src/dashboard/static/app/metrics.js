// Resource metrics from metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics). That API has no watch
// upstream, so it is polled: one shared poller per list, started while some component uses it,
// keeping the last samples of each node/pod for sparklines. A 404/503 means no metrics API is
// installed (or not yet): the views say "metrics unavailable" and the poller keeps trying.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure } from './api.js';
import { quantity } from './format.js';

const INTERVAL_MS = 5000;
const KEEP = 60;

const pollers = new Map();

function sample(item) {
  if (item.usage) return { cpu: quantity(item.usage.cpu), memory: quantity(item.usage.memory) };
  let cpu = 0;
  let memory = 0;
  for (const c of item.containers ?? []) {
    cpu += quantity(c.usage?.cpu);
    memory += quantity(c.usage?.memory);
  }
  return { cpu, memory };
}

function poller(path) {
  let p = pollers.get(path);
  if (p) return p;
  p = { users: new Set(), history: new Map(), state: { available: undefined, error: undefined }, timer: undefined };
  const tick = async () => {
    try {
      const list = await api(path);
      const seen = new Set();
      for (const item of list.items ?? []) {
        const key = `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
        seen.add(key);
        const h = p.history.get(key) ?? [];
        h.push(sample(item));
        if (h.length > KEEP) h.shift();
        p.history.set(key, h);
      }
      for (const key of p.history.keys()) if (!seen.has(key)) p.history.delete(key);
      p.state = { available: true, error: undefined };
    } catch (e) {
      const missing = e instanceof ApiFailure && (e.status === 404 || e.status === 503);
      p.state = { available: false, error: missing ? undefined : e };
    }
    for (const fn of p.users) fn();
    if (p.users.size) p.timer = setTimeout(tick, INTERVAL_MS);
    else p.timer = undefined;
  };
  p.start = () => {
    if (!p.timer) p.timer = setTimeout(tick, 0);
  };
  pollers.set(path, p);
  return p;
}

/**
 * The metrics at `path` ('/apis/metrics.k8s.io/v1beta1/nodes' or '.../pods'):
 * { available, history(key) → [{cpu (cores), memory (bytes)}], latest(key) }; key is "ns/name" ("/name" for nodes).
 */
export function useMetrics(path) {
  const [, setTick] = useState(0);
  const p = poller(path);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    p.users.add(fn);
    p.start();
    return () => p.users.delete(fn);
  }, [path]);
  return {
    available: p.state.available,
    error: p.state.error,
    history: (key) => p.history.get(key) ?? [],
    latest: (key) => {
      const h = p.history.get(key);
      return h ? h[h.length - 1] : undefined;
    },
  };
}
