// Every event in the cluster, newest first.
import { html } from '../html.js';
import { useLiveList } from '../live-list.js';
import { ErrorLine, VirtualTable } from '../components.js';
import { age } from '../format.js';
import { eventTime } from './overview.js';

export function Events() {
  const events = useLiveList('/api/v1/events', { sort: (a, b) => eventTime(b) - eventTime(a) });
  return html`<div style="display:flex;flex-direction:column;height:100%">
    <h1>Events</h1>
    <${ErrorLine} error=${events.error} />
    <${VirtualTable} testid="events" loaded=${events.loaded} items=${events.items} rowKey=${(e) => e.metadata.uid} empty=${events.loaded ? 'No events.' : 'Loading…'}
      columns=${[
        { title: 'Last seen', width: '70px', cell: (e) => age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp) },
        { title: 'Type', width: '70px', cell: (e) => html`<span class=${`type-${e.type}`}>${e.type}</span>` },
        { title: 'Reason', width: '1fr', cell: (e) => e.reason },
        {
          title: 'Object',
          width: '2fr',
          cell: (e) =>
            `${e.involvedObject?.namespace ? `${e.involvedObject.namespace}/` : ''}${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
        },
        { title: 'Count', width: '50px', cell: (e) => e.count ?? 1 },
        { title: 'Message', width: '4fr', cell: (e) => html`<span title=${e.message}>${e.message}</span>` },
      ]} />
  </div>`;
}
