// The dashboard's entry point: sign-in state and a hash router (#/pods, #/pod/<ns>/<name>, ...).
// A token may arrive as #token=<token>: the fragment never leaves the browser, and it is removed
// from the address bar at once so it does not linger in history.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { getToken, onUnauthorized, setToken, Unauthorized } from './api.js';
import { REFUSED, SignIn, whoAmI } from './views/signin.js';
import { Overview } from './views/overview.js';
import { Namespaces } from './views/namespaces.js';
import { Pods } from './views/pods.js';
import { PodPage } from './views/pod.js';
import { KINDS, Workloads } from './views/workloads.js';
import { Nodes } from './views/nodes.js';
import { Events } from './views/events.js';

const NAV = [
  ['#/', 'Overview'],
  ['#/namespaces', 'Namespaces'],
  ['#/pods', 'Pods'],
  ...Object.entries(KINDS).map(([r, k]) => [`#/${r}`, k.title]),
  ['#/nodes', 'Nodes'],
  ['#/events', 'Events'],
];

function parseRoute(hash) {
  const [path, qs] = hash.replace(/^#/, '').split('?');
  const q = new URLSearchParams(qs ?? '');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, q };
}

function View({ route }) {
  const [page, a, b] = route.parts;
  if (!page) return html`<${Overview} />`;
  if (page === 'namespaces') return html`<${Namespaces} />`;
  if (page === 'pods') return html`<${Pods} key=${route.q.get('namespace') ?? ''} namespace=${route.q.get('namespace') ?? undefined} />`;
  if (page === 'pod' && a && b) return html`<${PodPage} key=${`${a}/${b}`} namespace=${a} name=${b} />`;
  if (KINDS[page]) return html`<${Workloads} key=${page} resource=${page} />`;
  if (page === 'nodes') return html`<${Nodes} />`;
  if (page === 'events') return html`<${Events} />`;
  return html`<p>No such page. <a href="#/">Overview</a></p>`;
}

/** Takes a #token=<token> fragment out of the address bar; returns the token, if there was one. */
function tokenFromFragment() {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, '', `${location.pathname}#/`);
  return decodeURIComponent(m[1]);
}

/** The session a token gives: { user } when the server accepts it, else { message }. */
async function sessionFor(token) {
  try {
    const user = await whoAmI(token);
    setToken(token);
    return { user };
  } catch (e) {
    setToken('');
    return { message: e instanceof Unauthorized ? REFUSED : `Cannot sign in: ${e.message}` };
  }
}

function App({ initial }) {
  const [session, setSession] = useState(initial);
  const [hash, setHash] = useState(location.hash || '#/');
  // Ages ("12s", "3m") move with the clock: redraw every few seconds (no request is made).
  const [, setNow] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    initial.pending?.then(setSession);
    const onHash = () => {
      const token = tokenFromFragment();
      if (token) sessionFor(token).then(setSession);
      setHash(location.hash || '#/');
    };
    addEventListener('hashchange', onHash);
    const off = onUnauthorized(() => {
      setToken('');
      setSession({ message: REFUSED });
    });
    return () => {
      removeEventListener('hashchange', onHash);
      off();
    };
  }, []);
  if (!session.user) {
    return html`<${SignIn} message=${session.message} onSignedIn=${(token, user) => {
      setToken(token);
      setSession({ user });
    }} />`;
  }
  const route = parseRoute(hash);
  const current = `#/${route.parts[0] ?? ''}`;
  return html`<div class="shell">
    <nav class="side">
      <div class="brand">Peapod</div>
      ${NAV.map(([href, title]) => html`<a href=${href} class=${current === href || (href === '#/pods' && current === '#/pod') ? 'active' : ''}>${title}</a>`)}
      <div class="who">Signed in as <span data-testid="user">${session.user}</span><br />
        <button onClick=${() => {
          setToken('');
          setSession({});
        }}>Sign out</button></div>
    </nav>
    <main><${View} route=${route} /></main>
  </div>`;
}

function start() {
  const token = tokenFromFragment() ?? getToken();
  const root = document.getElementById('app');
  root.textContent = ''; // the static "Loading…" placeholder, which preact would otherwise keep
  if (!token) return render(html`<${App} initial=${{}} />`, root);
  // Render the views at once and check the token alongside their first requests: a refused token
  // turns every request into 401, which brings the sign-in form back with the refusal.
  setToken(token);
  let fill;
  const user = new Promise((resolve) => (fill = resolve));
  render(html`<${App} initial=${{ user: '…', pending: user }} />`, root);
  sessionFor(token).then(fill);
}

start();
