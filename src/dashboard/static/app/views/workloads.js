// Deployments, StatefulSets, DaemonSets and Jobs, with the actions kubectl offers: scale (the scale
// subresource), rollout restart (kubectl's restartedAt template annotation) and delete.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { useLiveList } from '../live-list.js';
import { ErrorLine, VirtualTable } from '../components.js';
import { age } from '../format.js';

export const KINDS = {
  deployments: {
    title: 'Deployments',
    group: 'apps',
    scalable: true,
    restartable: true,
    ready: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
    extra: ['Up-to-date', (o) => o.status?.updatedReplicas ?? 0],
  },
  statefulsets: {
    title: 'StatefulSets',
    group: 'apps',
    scalable: true,
    restartable: true,
    ready: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
    extra: ['Current', (o) => o.status?.currentReplicas ?? 0],
  },
  daemonsets: {
    title: 'DaemonSets',
    group: 'apps',
    scalable: false,
    restartable: true,
    ready: (o) => `${o.status?.numberReady ?? 0}/${o.status?.desiredNumberScheduled ?? 0}`,
    extra: ['Available', (o) => o.status?.numberAvailable ?? 0],
  },
  jobs: {
    title: 'Jobs',
    group: 'batch',
    scalable: false,
    restartable: false,
    ready: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
    extra: ['Active', (o) => o.status?.active ?? 0],
  },
};

const objectPath = (resource, o) =>
  `/apis/${KINDS[resource].group}/v1/namespaces/${encodeURIComponent(o.metadata.namespace)}/${resource}/${encodeURIComponent(o.metadata.name)}`;

function Actions({ resource, o, onError }) {
  const kind = KINDS[resource];
  const [replicas, setReplicas] = useState(String(o.spec?.replicas ?? 1));
  // Scaled elsewhere (kubectl, an autoscaler): show the new count.
  useEffect(() => setReplicas(String(o.spec?.replicas ?? 1)), [o.spec?.replicas]);
  const run = (fn) => () => fn().then(() => onError(undefined), onError);
  const scale = run(() =>
    api(`${objectPath(resource, o)}/scale`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: Number(replicas) } },
    }),
  );
  const restart = run(() =>
    api(objectPath(resource, o), {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } },
    }),
  );
  const remove = run(async () => {
    if (!confirm(`Delete ${resource.replace(/s$/, '')} ${o.metadata.namespace}/${o.metadata.name}?`)) return;
    await api(`${objectPath(resource, o)}?propagationPolicy=Background`, { method: 'DELETE' });
  });
  return html`<span style="display:flex;gap:6px;align-items:center">
    ${
      kind.scalable
        ? html`<input type="number" min="0" aria-label="Replicas" style="width:64px" value=${replicas} onInput=${(e) => setReplicas(e.target.value)} />
      <button onClick=${scale}>Scale</button>`
        : null
    }
    ${kind.restartable ? html`<button onClick=${restart}>Restart</button>` : null}
    <button class="danger" onClick=${remove}>Delete</button>
  </span>`;
}

export function Workloads({ resource }) {
  const kind = KINDS[resource];
  const list = useLiveList(`/apis/${kind.group}/v1/${resource}`);
  const [error, setError] = useState(undefined);
  return html`<div style="display:flex;flex-direction:column;height:100%">
    <h1>${kind.title}</h1>
    <${ErrorLine} error=${list.error ?? error} />
    <${VirtualTable} testid=${resource} loaded=${list.loaded} items=${list.items} rowKey=${(o) => `${o.metadata.namespace}/${o.metadata.name}`} empty=${list.loaded ? `No ${kind.title}.` : 'Loading…'}
      columns=${[
        { title: 'Namespace', width: '1fr', cell: (o) => o.metadata.namespace },
        { title: 'Name', width: '2fr', cell: (o) => html`<a href=${`#/pods?namespace=${encodeURIComponent(o.metadata.namespace)}`}>${o.metadata.name}</a>` },
        { title: 'Ready', width: '70px', cell: kind.ready },
        { title: kind.extra[0], width: '90px', cell: kind.extra[1] },
        { title: 'Age', width: '60px', cell: (o) => age(o.metadata.creationTimestamp) },
        { title: 'Actions', width: '300px', cell: (o) => html`<${Actions} key=${o.metadata.uid} resource=${resource} o=${o} onError=${setError} />` },
      ]} />
  </div>`;
}
