// One pod: its containers, conditions and events, live logs (follow) and its YAML.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { useLiveList } from '../live-list.js';
import { useMetrics } from '../metrics.js';
import { stream } from '../api.js';
import { ErrorLine, Phase, Sparkline } from '../components.js';
import { age, bytes, cores, podStatus } from '../format.js';
import { toYaml } from '../yaml.js';
import { eventTime } from './overview.js';

const MAX_LOG_CHARS = 512 * 1024;

function Logs({ namespace, name, containers }) {
  const [container, setContainer] = useState(containers[0]);
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [error, setError] = useState(undefined);
  const pre = useRef(null);
  useEffect(() => {
    if (!container) return undefined;
    const abort = new AbortController();
    let buf = '';
    setText('');
    setError(undefined);
    const q = new URLSearchParams({ container, tailLines: '1000', ...(follow ? { follow: 'true' } : {}) });
    stream(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log?${q}`, {
      signal: abort.signal,
      onText(t) {
        buf = (buf + t).slice(-MAX_LOG_CHARS);
        setText(buf);
      },
    }).catch((e) => abort.signal.aborted || setError(e));
    return () => abort.abort();
  }, [namespace, name, container, follow]);
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return html`<div>
    <div class="toolbar">
      ${containers.length > 1 ? html`<select aria-label="Container" onChange=${(e) => setContainer(e.target.value)}>${containers.map((c) => html`<option>${c}</option>`)}</select>` : null}
      <label><input type="checkbox" checked=${follow} onChange=${(e) => setFollow(e.target.checked)} /> Follow</label>
    </div>
    <${ErrorLine} error=${error} />
    <pre class="logs" ref=${pre} data-testid="logs">${text}</pre>
  </div>`;
}

export function PodPage({ namespace, name }) {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
  const pods = useLiveList(`${base}/pods`, { query: { fieldSelector: `metadata.name=${name}` } });
  const events = useLiveList(`${base}/events`, { query: { fieldSelector: `involvedObject.name=${name}` }, sort: (a, b) => eventTime(a) - eventTime(b) });
  const metrics = useMetrics('/apis/metrics.k8s.io/v1beta1/pods');
  const [tab, setTab] = useState('overview');
  const pod = pods.items[0];
  if (!pod)
    return html`<div><h1>${namespace}/${name}</h1><${ErrorLine} error=${pods.error} />${pods.loaded ? html`<p>Pod not found (deleted?).</p>` : html`<p class="muted">Loading…</p>`}</div>`;
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((c) => [c.name, c]));
  const hist = metrics.history(`${namespace}/${name}`);
  const state = (s) => (s?.state ? Object.keys(s.state)[0] : 'waiting');
  const { managedFields, ...meta } = pod.metadata;
  return html`<div>
    <h1><a href=${`#/pods?namespace=${encodeURIComponent(namespace)}`}>${namespace}</a> / ${name} <${Phase} text=${podStatus(pod)} /></h1>
    <dl class="kv">
      <dt>Node</dt><dd>${pod.spec?.nodeName ?? '(not scheduled)'}</dd>
      <dt>Pod IP</dt><dd>${pod.status?.podIP ?? ''}</dd>
      <dt>Age</dt><dd>${age(pod.metadata.creationTimestamp)}</dd>
      <dt>CPU</dt><dd>${hist.length ? html`<${Sparkline} values=${hist.map((s) => s.cpu)} title="CPU" /> ${cores(hist[hist.length - 1].cpu)}` : 'metrics unavailable'}</dd>
      <dt>Memory</dt><dd>${hist.length ? html`<${Sparkline} values=${hist.map((s) => s.memory)} title="Memory" /> ${bytes(hist[hist.length - 1].memory)}` : 'metrics unavailable'}</dd>
    </dl>
    <div class="tabs" role="tablist">
      ${['overview', 'logs', 'yaml'].map((t) => html`<button role="tab" class=${tab === t ? 'on' : ''} onClick=${() => setTab(t)}>${t[0].toUpperCase() + t.slice(1)}</button>`)}
    </div>
    ${tab === 'logs' ? html`<${Logs} namespace=${namespace} name=${name} containers=${pod.spec.containers.map((c) => c.name)} />` : null}
    ${tab === 'yaml' ? html`<pre data-testid="yaml">${toYaml({ apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: pod.spec, status: pod.status })}</pre>` : null}
    ${
      tab === 'overview'
        ? html`
      <h2>Containers</h2>
      <table class="plain"><tr><th>Name</th><th>Image</th><th>State</th><th>Ready</th><th>Restarts</th></tr>
        ${pod.spec.containers.map((c) => {
          const s = statuses.get(c.name);
          return html`<tr><td>${c.name}</td><td>${c.image}</td><td>${state(s)}${s?.state?.waiting?.reason ? ` (${s.state.waiting.reason})` : ''}</td><td>${s?.ready ? 'true' : 'false'}</td><td>${s?.restartCount ?? 0}</td></tr>`;
        })}
      </table>
      <h2>Conditions</h2>
      <table class="plain"><tr><th>Type</th><th>Status</th><th>Last transition</th><th>Reason</th></tr>
        ${(pod.status?.conditions ?? []).map((c) => html`<tr><td>${c.type}</td><td>${c.status}</td><td>${age(c.lastTransitionTime)}</td><td>${c.reason ?? ''}</td></tr>`)}
      </table>
      <h2>Events</h2>
      ${
        events.items.length === 0
          ? html`<p class="muted">No events.</p>`
          : html`<table class="plain"><tr><th>Type</th><th>Reason</th><th>Age</th><th>From</th><th>Message</th></tr>
        ${events.items.map((e) => html`<tr><td class=${`type-${e.type}`}>${e.type}</td><td>${e.reason}</td><td>${age(e.lastTimestamp ?? e.metadata.creationTimestamp)}</td><td>${e.source?.component ?? e.reportingComponent ?? ''}</td><td>${e.message}</td></tr>`)}
      </table>`
      }`
        : null
    }
  </div>`;
}
