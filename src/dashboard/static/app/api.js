// Talks to the API server with the signed-in user's bearer token. Lists are kept current by a
// streaming watch (`?watch=true`, one JSON event per line), resumed from the last resourceVersion
// seen (bookmarks included) and relisted only when the server answers 410 Gone.

/** The API answered 401: the token is wrong or expired. */
export class Unauthorized extends Error {}

/** A non-2xx answer, with the Kubernetes Status message when there is one. */
export class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const TOKEN_KEY = 'peapod.token';
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
const unauthorizedListeners = new Set();

export const getToken = () => token;
export function setToken(t) {
  token = t;
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}
/** Called when any request gets 401 (the token was revoked or expired while signed in). */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

const sleep = (ms, signal) =>
  new Promise((r) => {
    const t = setTimeout(r, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        r();
      },
      { once: true },
    );
  });

async function failure(res) {
  if (res.status === 401) {
    for (const fn of unauthorizedListeners) fn();
    return new Unauthorized('Unauthorized');
  }
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    if (body?.message) message = body.message;
  } catch {
    /* not a Status */
  }
  return new ApiFailure(res.status, message);
}

/**
 * A request with the user's token; resolves to the parsed JSON body. Requests that change nothing
 * (GET, and `retry: true` ones) are retried twice when the network fails under them — browsers
 * abort requests when the host's network interfaces change, which is no reason to give up.
 */
export async function api(path, { method = 'GET', body, contentType, signal, withToken = token, retry = method === 'GET' } = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${withToken}` };
  if (body !== undefined) headers['Content-Type'] = contentType ?? 'application/json';
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      if (!retry || attempt >= 2 || signal?.aborted || !(e instanceof TypeError)) throw e;
      await sleep(200 * (attempt + 1), signal);
      continue;
    }
    if (!res.ok) throw await failure(res);
    return res.status === 204 ? undefined : res.json();
  }
}

/** Streams a response body as text chunks (logs). */
export async function stream(path, { signal, onText }) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, signal });
  if (!res.ok) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}

const withQuery = (path, q) => {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(q)) if (v !== undefined) u.searchParams.set(k, v);
  return u.pathname + u.search;
};

const PAGE = 500;

/**
 * Lists `path` then watches it until `signal` aborts. `onReset(items, { first, last })` gets the
 * list page by page (`first`: drop what you had; `last`: the list is complete);
 * `onEvent(type, object)` each ADDED/MODIFIED/DELETED. Errors other than 401/403/404 retry with backoff;
 * `onError` hears them (and `onError(undefined)` once the stream is healthy again).
 */
export async function listWatch(path, { signal, onReset, onEvent, onError, query = {} }) {
  let rv = '';
  let backoff = 250;
  while (!signal.aborted) {
    try {
      if (!rv) {
        // Pages of 500, as upstream's reflectors list: the first rows paint before the last page
        // arrives, and the pages form one snapshot at the first page's resourceVersion.
        let cont;
        let first = true;
        let listRv = '';
        do {
          const list = await api(withQuery(path, { ...query, limit: String(PAGE), continue: cont }), { signal });
          if (first) listRv = list.metadata?.resourceVersion ?? '';
          cont = list.metadata?.continue || undefined;
          onReset(list.items ?? [], { first, last: !cont });
          first = false;
        } while (cont);
        // Only a complete list may be watched from (a failure midway lists again from the start).
        rv = listRv;
      }
      const res = await fetch(withQuery(path, { ...query, watch: 'true', allowWatchBookmarks: 'true', resourceVersion: rv }), {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal,
      });
      if (!res.ok) throw await failure(res);
      onError?.(undefined);
      backoff = 250;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line);
          if (ev.type === 'ERROR') {
            // 410 Gone: our resourceVersion was compacted away; start over with a fresh list.
            if (ev.object?.code === 410) rv = '';
            throw new ApiFailure(ev.object?.code ?? 500, ev.object?.message ?? 'watch error');
          }
          rv = ev.object?.metadata?.resourceVersion ?? rv;
          if (ev.type !== 'BOOKMARK') onEvent(ev.type, ev.object);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      // Refused or not served: asking again will not change the answer.
      if (e instanceof Unauthorized || (e instanceof ApiFailure && (e.status === 403 || e.status === 404))) return onError?.(e);
      if (e instanceof ApiFailure && e.status === 410) continue;
      onError?.(e);
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 5000);
    }
  }
}
