// Cluster overview: nodes with CPU/memory bars, pods by phase, the latest Warning events.
import { html } from '../html.js';
import { useLiveList } from '../live-list.js';
import { useMetrics } from '../metrics.js';
import { Bar, ErrorLine, Phase, Sparkline } from '../components.js';
import { age, bytes, cores, nodeReady, quantity } from '../format.js';

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const newestFirst = (a, b) => eventTime(b) - eventTime(a);
export const eventTime = (e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp) || 0;

export function NodeCard({ node, metrics }) {
  const name = node.metadata.name;
  const cpuCap = quantity(node.status?.allocatable?.cpu ?? node.status?.capacity?.cpu);
  const memCap = quantity(node.status?.allocatable?.memory ?? node.status?.capacity?.memory);
  const usage = metrics.latest(`/${name}`);
  const hist = metrics.history(`/${name}`);
  return html`<div class="card" data-node=${name}>
    <strong>${name}</strong> <${Phase} text=${nodeReady(node)} />
    ${
      usage
        ? html`
        <${Bar} label=${`CPU ${cores(usage.cpu)} of ${cores(cpuCap)}`} used=${usage.cpu} total=${cpuCap} />
        <${Sparkline} values=${hist.map((s) => s.cpu)} title=${`${name} CPU`} />
        <${Bar} label=${`Memory ${bytes(usage.memory)} of ${bytes(memCap)}`} used=${usage.memory} total=${memCap} />
        <${Sparkline} values=${hist.map((s) => s.memory)} title=${`${name} memory`} />`
        : html`<p class="muted">${metrics.available === false ? 'metrics unavailable' : 'waiting for metrics…'} · ${cores(cpuCap)} CPU, ${bytes(memCap)}</p>`
    }
  </div>`;
}

export function Overview() {
  const nodes = useLiveList('/api/v1/nodes');
  const pods = useLiveList('/api/v1/pods');
  const events = useLiveList('/api/v1/events', { sort: newestFirst });
  const metrics = useMetrics('/apis/metrics.k8s.io/v1beta1/nodes');
  const counts = Object.fromEntries(PHASES.map((p) => [p, 0]));
  for (const p of pods.items) counts[p.status?.phase ?? 'Pending'] = (counts[p.status?.phase ?? 'Pending'] ?? 0) + 1;
  const warnings = events.items.filter((e) => e.type === 'Warning').slice(0, 10);
  return html`<div>
    <h1>Cluster overview</h1>
    <${ErrorLine} error=${nodes.error ?? pods.error} />
    <h2>Pods (${pods.items.length})</h2>
    <div class="cards" data-testid="pod-phases">
      ${PHASES.map((p) => html`<div class="card"><div class="muted">${p}</div><strong style="font-size:22px" data-phase=${p}>${counts[p]}</strong></div>`)}
    </div>
    <h2>Nodes (${nodes.items.length})</h2>
    <div class="cards">${nodes.items.map((n) => html`<${NodeCard} key=${n.metadata.uid} node=${n} metrics=${metrics} />`)}</div>
    <h2>Recent warnings</h2>
    ${
      warnings.length === 0
        ? html`<p class="muted">No warnings.</p>`
        : html`<table class="plain"><tr><th>Age</th><th>Object</th><th>Reason</th><th>Message</th></tr>
          ${warnings.map(
            (e) => html`<tr><td>${age(e.lastTimestamp ?? e.metadata.creationTimestamp)}</td>
            <td>${e.involvedObject?.kind}/${e.involvedObject?.name}</td><td class="type-Warning">${e.reason}</td><td>${e.message}</td></tr>`,
          )}
        </table>`
    }
  </div>`;
}
