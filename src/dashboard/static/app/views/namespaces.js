// Namespaces with their phase, age and how many pods each holds.
import { html } from '../html.js';
import { useLiveList } from '../live-list.js';
import { ErrorLine, Phase, VirtualTable } from '../components.js';
import { age } from '../format.js';

export function Namespaces() {
  const namespaces = useLiveList('/api/v1/namespaces');
  const pods = useLiveList('/api/v1/pods');
  const counts = new Map();
  for (const p of pods.items) counts.set(p.metadata.namespace, (counts.get(p.metadata.namespace) ?? 0) + 1);
  return html`<div style="display:flex;flex-direction:column;height:100%">
    <h1>Namespaces</h1>
    <${ErrorLine} error=${namespaces.error} />
    <${VirtualTable} testid="namespaces" loaded=${namespaces.loaded} items=${namespaces.items} rowKey=${(n) => n.metadata.name}
      columns=${[
        { title: 'Name', width: '2fr', cell: (n) => html`<a href=${`#/pods?namespace=${encodeURIComponent(n.metadata.name)}`}>${n.metadata.name}</a>` },
        { title: 'Status', cell: (n) => html`<${Phase} text=${n.status?.phase ?? 'Active'} />` },
        { title: 'Pods', cell: (n) => counts.get(n.metadata.name) ?? 0 },
        { title: 'Age', cell: (n) => age(n.metadata.creationTimestamp) },
      ]} />
  </div>`;
}
