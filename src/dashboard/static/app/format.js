// Small formatters shared by the views: ages, Kubernetes quantities, pod status as kubectl shows it.

export function age(ts, now = Date.now()) {
  if (!ts) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

const SUFFIX = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("250m", "128Mi", "1.5") as a number of base units. */
export function quantity(q) {
  if (q === undefined || q === null) return 0;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(String(q));
  if (!m) return 0;
  return Number(m[1]) * (SUFFIX[m[2]] ?? 1);
}

export const cores = (n) => (n < 1 ? `${Math.round(n * 1000)}m` : `${n.toFixed(2)}`);
export function bytes(n) {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)}Gi`;
  if (n >= 2 ** 20) return `${Math.round(n / 2 ** 20)}Mi`;
  return `${Math.round(n / 2 ** 10)}Ki`;
}

/** The STATUS column of `kubectl get pods`: a waiting/terminated reason wins over the phase. */
export function podStatus(pod) {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && pod.status?.phase !== 'Succeeded') return c.state.terminated.reason;
  }
  return pod.status?.reason ?? pod.status?.phase ?? 'Pending';
}

export const restarts = (pod) => (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);

export function ready(pod) {
  const cs = pod.status?.containerStatuses ?? [];
  return `${cs.filter((c) => c.ready).length}/${pod.spec?.containers?.length ?? cs.length}`;
}

export function nodeReady(node) {
  const c = (node.status?.conditions ?? []).find((x) => x.type === 'Ready');
  const s = c?.status === 'True' ? 'Ready' : c ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
}
