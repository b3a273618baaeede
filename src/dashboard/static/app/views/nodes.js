// Nodes with status, capacity, usage sparklines and cordon/uncordon (kubectl's spec.unschedulable patch).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { useLiveList } from '../live-list.js';
import { useMetrics } from '../metrics.js';
import { ErrorLine, Phase, Sparkline, VirtualTable } from '../components.js';
import { age, bytes, cores, nodeReady } from '../format.js';

export function Nodes() {
  const nodes = useLiveList('/api/v1/nodes');
  const metrics = useMetrics('/apis/metrics.k8s.io/v1beta1/nodes');
  const [error, setError] = useState(undefined);
  const cordon = (n, on) => () =>
    api(`/api/v1/nodes/${encodeURIComponent(n.metadata.name)}`, {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { unschedulable: on ? true : null } },
    }).then(() => setError(undefined), setError);
  const usage = (n, field, fmt) => {
    const h = metrics.history(`/${n.metadata.name}`);
    if (!h.length) return html`<span class="muted">${metrics.available === false ? 'metrics unavailable' : ''}</span>`;
    return html`<${Sparkline} width=${60} values=${h.map((s) => s[field])} title=${`${n.metadata.name} ${field}`} /> ${fmt(h[h.length - 1][field])}`;
  };
  return html`<div style="display:flex;flex-direction:column;height:100%">
    <h1>Nodes</h1>
    <${ErrorLine} error=${nodes.error ?? error} />
    <${VirtualTable} testid="nodes" loaded=${nodes.loaded} items=${nodes.items} rowKey=${(n) => n.metadata.name}
      columns=${[
        { title: 'Name', width: '2fr', cell: (n) => n.metadata.name },
        { title: 'Status', width: '1.5fr', cell: (n) => html`<${Phase} text=${nodeReady(n)} />` },
        { title: 'Version', width: '1fr', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
        { title: 'Internal IP', width: '1fr', cell: (n) => (n.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address ?? '' },
        { title: 'Age', width: '60px', cell: (n) => age(n.metadata.creationTimestamp) },
        { title: 'CPU', width: '130px', cell: (n) => usage(n, 'cpu', cores) },
        { title: 'Memory', width: '130px', cell: (n) => usage(n, 'memory', bytes) },
        {
          title: '',
          width: '100px',
          cell: (n) =>
            n.spec?.unschedulable ? html`<button onClick=${cordon(n, false)}>Uncordon</button>` : html`<button onClick=${cordon(n, true)}>Cordon</button>`,
        },
      ]} />
  </div>`;
}
