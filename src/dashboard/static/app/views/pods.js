// All pods (or one namespace's), as `kubectl get pods -o wide` shows them, filtered as you type.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { useLiveList } from '../live-list.js';
import { useMetrics } from '../metrics.js';
import { ErrorLine, Phase, Sparkline, VirtualTable } from '../components.js';
import { age, bytes, cores, podStatus, ready, restarts } from '../format.js';

export const podHref = (p) => `#/pod/${encodeURIComponent(p.metadata.namespace)}/${encodeURIComponent(p.metadata.name)}`;

export function Pods({ namespace }) {
  const pods = useLiveList(namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods` : '/api/v1/pods');
  const metrics = useMetrics('/apis/metrics.k8s.io/v1beta1/pods');
  const [filter, setFilter] = useState('');
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const shown =
    words.length === 0
      ? pods.items
      : pods.items.filter((p) => {
          const text = `${p.metadata.namespace} ${p.metadata.name} ${p.spec?.nodeName ?? ''} ${podStatus(p)} ${p.status?.podIP ?? ''}`.toLowerCase();
          return words.every((w) => text.includes(w));
        });
  const key = (p) => `${p.metadata.namespace}/${p.metadata.name}`;
  const usage = (p, field, fmt) => {
    const h = metrics.history(key(p));
    if (!h.length) return html`<span class="muted">${metrics.available === false ? 'n/a' : ''}</span>`;
    return html`<${Sparkline} width=${50} values=${h.map((s) => s[field])} title=${`${p.metadata.name} ${field}`} /> ${fmt(h[h.length - 1][field])}`;
  };
  return html`<div style="display:flex;flex-direction:column;height:100%">
    <h1>Pods${namespace ? html` in ${namespace}` : ''}</h1>
    <div class="toolbar">
      <input type="search" placeholder="Filter by name, namespace, node, status, IP" aria-label="Filter pods" value=${filter} onInput=${(e) => setFilter(e.target.value)} style="width:340px" />
      <span class="muted" data-testid="pod-count">${shown.length} of ${pods.items.length} pods</span>
      ${metrics.available === false ? html`<span class="muted">· metrics unavailable</span>` : null}
    </div>
    <${ErrorLine} error=${pods.error} />
    <${VirtualTable} testid="pods" loaded=${pods.loaded} items=${shown} rowKey=${key} empty=${pods.loaded ? 'No pods.' : 'Loading…'}
      columns=${[
        ...(namespace ? [] : [{ title: 'Namespace', width: '1fr', cell: (p) => p.metadata.namespace }]),
        { title: 'Name', width: '2fr', cell: (p) => html`<a href=${podHref(p)}>${p.metadata.name}</a>` },
        { title: 'Ready', width: '50px', cell: ready },
        { title: 'Status', width: '1fr', cell: (p) => html`<${Phase} text=${podStatus(p)} />` },
        { title: 'Restarts', width: '60px', cell: restarts },
        { title: 'Node', width: '1fr', cell: (p) => p.spec?.nodeName ?? '' },
        { title: 'IP', width: '110px', cell: (p) => p.status?.podIP ?? '' },
        { title: 'Age', width: '60px', cell: (p) => age(p.metadata.creationTimestamp) },
        { title: 'CPU', width: '110px', cell: (p) => usage(p, 'cpu', cores) },
        { title: 'Memory', width: '110px', cell: (p) => usage(p, 'memory', bytes) },
      ]} />
  </div>`;
}
