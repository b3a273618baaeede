// Building blocks shared by the views: a virtualised table, sparklines, usage bars.
import { html } from './html.js';
import { useEffect, useRef, useState } from 'preact/hooks';

const ROW = 30;

/**
 * A table that renders only the rows in view (plus a margin), so 10,000 rows cost as much as 40.
 * columns: [{ title, width (CSS grid track), cell(item) }]; rowKey(item) → string.
 */
export function VirtualTable({ items, columns, rowKey, empty = 'Nothing here.', testid, loaded = true }) {
  const box = useRef(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = box.current;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight || 800 });
    update();
    el.addEventListener('scroll', update, { passive: true });
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      ro.disconnect();
    };
  }, []);
  const grid = columns.map((c) => c.width ?? '1fr').join(' ');
  const first = Math.max(0, Math.floor(view.top / ROW) - 10);
  const last = Math.min(items.length, Math.ceil((view.top + view.height) / ROW) + 10);
  const rows = [];
  for (let i = first; i < last; i++) {
    const item = items[i];
    rows.push(html`<div class="vt-row" role="row" data-key=${rowKey(item)} style=${`top:${(i + 1) * ROW}px;grid-template-columns:${grid}`}>
      ${columns.map((c) => html`<span role="cell">${c.cell(item)}</span>`)}
    </div>`);
  }
  return html`<div class="vt" ref=${box} role="table" data-testid=${testid} aria-busy=${loaded ? 'false' : 'true'}>
    <div class="vt-head" role="row" style=${`grid-template-columns:${grid}`}>${columns.map((c) => html`<span role="columnheader">${c.title}</span>`)}</div>
    <div style=${`height:${items.length * ROW}px`}></div>
    ${rows}
    ${items.length === 0 ? html`<p class="muted" style="padding:0 12px">${empty}</p>` : null}
  </div>`;
}

/** A small line plot of the last samples; empty until two samples exist. */
export function Sparkline({ values, width = 90, height = 22, title }) {
  if (values.length < 2) return html`<svg class="spark" width=${width} height=${height} aria-label=${title}></svg>`;
  const max = Math.max(...values) || 1;
  const step = width / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' ');
  return html`<svg class="spark" width=${width} height=${height} aria-label=${title}><title>${title}</title><polyline points=${points} /></svg>`;
}

export function Bar({ used, total, label }) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return html`<div>
    <div class="muted">${label}</div>
    <div class="bar" role="meter" aria-valuenow=${Math.round(pct)} aria-valuemin="0" aria-valuemax="100"><div style=${`width:${pct.toFixed(1)}%`}></div></div>
  </div>`;
}

export const Phase = ({ text }) => html`<span class=${`phase-${String(text).split(',').pop()}`}>${text}</span>`;

export function ErrorLine({ error }) {
  return error ? html`<p class="error" role="alert">${error.message}</p>` : null;
}
