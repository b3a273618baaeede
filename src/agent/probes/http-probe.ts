import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Container, HTTPGetAction, Probe } from 'kubernetes-types/core/v1.js';
import { MAX_PROBE_OUTPUT } from './exec-probe.ts';
import { dialErrorText, joinHostPort, resolvePort } from './net-errors.ts';
import { ProbeError, type HandlerOutcome, type ProbeTarget } from './types.ts';

/** The kubelet version probes announce (`kube-probe/<major>.<minor>`), matching the kubectl we serve. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_REDIRECTS = 10;
// One agent per scheme for every probe, without keep-alive (kubelet's probe transport disables it,
// so a probe always measures a fresh connection); sharing them avoids building an agent per request.
const HTTP_AGENT = new HttpAgent({ keepAlive: false });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: false, rejectUnauthorized: false });

/**
 * The URL of an httpGet action (kubelet NewProbeRequest): scheme lower-cased (default http),
 * host default the pod IP, port by number or name, path as given (a query string kept).
 */
export function httpGetUrl(action: HTTPGetAction, opts: { container: Container; podIp: string | undefined }): URL {
  const { container, podIp } = opts;
  const host = action.host || podIp;
  if (!host) throw new ProbeError('pod IP not known yet');
  const port = resolvePort(action.port, container);
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const path = action.path ?? '';
  return new URL(`${scheme}://${joinHostPort(host, port)}${path.startsWith('/') || path === '' ? path : `/${path}`}`);
}

export interface HttpGetResult {
  status: number;
  body: string;
  /** Set when a redirect to another host was not followed. */
  redirectedAway: boolean;
}

/**
 * One GET without keep-alive (kubelet disables it for probes), following redirects to the same
 * host up to 10 times, TLS unverified (as upstream), reading at most 10 KiB of body. Rejects with
 * a Go-worded error text (`Get "http://...": dial tcp ...: connect: connection refused`).
 */
export async function httpGet(url: URL, opts: { headers: Record<string, string>; signal: AbortSignal }): Promise<HttpGetResult> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await once(current, opts);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location && hop < MAX_REDIRECTS) {
      const next = new URL(location, current);
      res.resume();
      if (next.hostname === url.hostname) {
        current = next;
        continue;
      }
      return { status: res.statusCode, body: await readBody(res), redirectedAway: true };
    }
    return { status: res.statusCode ?? 0, body: await readBody(res), redirectedAway: false };
  }
}

function once(url: URL, opts: { headers: Record<string, string>; signal: AbortSignal }): Promise<IncomingMessage> {
  const address = joinHostPort(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  const shown = `Get ${JSON.stringify(url.href)}`;
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers };
    const host = Object.entries(headers).find(([k]) => k.toLowerCase() === 'host');
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'GET',
        headers,
        agent: url.protocol === 'https:' ? HTTPS_AGENT : HTTP_AGENT,
        signal: opts.signal,
        ...(host ? { setHost: false } : {}),
      },
      resolve,
    );
    req.on('error', (e) => {
      if (opts.signal.aborted) reject(new Error(`${shown}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`));
      else reject(new Error(`${shown}: ${dialErrorText(e, address)}`));
    });
    req.end();
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < MAX_PROBE_OUTPUT) chunks.push(c.subarray(0, MAX_PROBE_OUTPUT - size));
      size += c.length;
      if (size >= MAX_PROBE_OUTPUT) res.destroy();
    });
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    res.on('end', done);
    res.on('close', done);
    res.on('error', done);
  });
}

/** Request headers of a probe: User-Agent and Accept defaults, then the probe's own (which win). */
export function probeHeaders(action: HTTPGetAction, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has('user-agent')) headers['User-Agent'] = userAgent;
  if (!has('accept')) headers.Accept = '*/*';
  return headers;
}

/**
 * httpGet handler (pkg/probe/http): 200–399 is success (a redirect to another host is a warning),
 * any other status fails with `HTTP probe failed with statuscode: <code>`, and a connection error or
 * timeout fails with Go's error text.
 */
export async function httpGetProbe(probe: Probe, t: ProbeTarget): Promise<HandlerOutcome> {
  const action = probe.httpGet ?? { port: 80 };
  const url = httpGetUrl(action, { container: t.container, podIp: t.podIp });
  let res: HttpGetResult;
  try {
    res = await httpGet(url, { headers: probeHeaders(action, PROBE_USER_AGENT), signal: t.signal });
  } catch (e) {
    return { result: 'failure', output: e instanceof Error ? e.message : String(e) };
  }
  if (res.status >= 200 && res.status < 400) {
    if (res.status >= 300) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
    return { result: 'success', output: res.body };
  }
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
}
