// Fetches node agents' /stats/summary for the metrics API, on demand, each node's answer cached
// for `resolutionMs` (metrics-server scrapes every 15 s whether or not anyone asks; scraping only
// when asked costs nothing on an idle cluster, and a short resolution makes `kubectl top` follow
// a load change within seconds; the HPA's 15 s sync stays well above it). Concurrent requests for
// one node share one scrape. A node that does not answer is left out, as metrics-server does.
import { Agent } from 'node:https';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Summary } from '../../agent/index.ts';
import { agentRequest, readErrorBody, type AgentAuth } from '../handlers/streaming/agent-client.ts';

export interface ScrapedSummary {
  readonly summary: Summary;
  /** When the scrape answered (ms). */
  readonly at: number;
}

export interface SummaryScraperOptions {
  auth: AgentAuth;
  /** Default 5 s. */
  resolutionMs?: number;
  /** Per-node request deadline; default 5 s. */
  timeoutMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

const DEFAULT_AGENT_PORT = 10250;

function endpoint(node: Node): { host: string; port: number } | undefined {
  const addresses = node.status?.addresses ?? [];
  const host = (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'Hostname'))?.address;
  return host ? { host, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_AGENT_PORT } : undefined;
}

export class SummaryScraper {
  readonly #o: Required<Omit<SummaryScraperOptions, 'log'>> & Pick<SummaryScraperOptions, 'log'>;
  readonly #cache = new Map<string, { at: number; value: Promise<ScrapedSummary | undefined> }>();
  // Scrapes repeat every few seconds per node: reusing the TLS connection saves a handshake on both
  // ends (most of a 110-pod scrape's CPU, bench/metrics). Idle sockets close after a while.
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 2, maxFreeSockets: 1, timeout: 60_000 });

  constructor(opts: SummaryScraperOptions) {
    this.#o = { resolutionMs: 5000, timeoutMs: 5000, now: Date.now, ...opts };
  }

  /** The node's latest summary (cached), or undefined when the node has no reachable agent. */
  summary(node: Node): Promise<ScrapedSummary | undefined> {
    const name = node.metadata?.name ?? '';
    const now = this.#o.now();
    const hit = this.#cache.get(name);
    if (hit && now - hit.at < this.#o.resolutionMs) return hit.value;
    const value = this.#fetch(node).catch((e: unknown) => {
      this.#o.log?.('metrics: scraping the node failed', { node: name, error: e instanceof Error ? e.message : String(e) });
      return undefined;
    });
    this.#cache.set(name, { at: now, value });
    if (this.#cache.size > 2 * 5000) this.#prune(now);
    return value;
  }

  #prune(now: number): void {
    for (const [k, v] of this.#cache) if (now - v.at > this.#o.resolutionMs) this.#cache.delete(k);
  }

  async #fetch(node: Node): Promise<ScrapedSummary | undefined> {
    const ep = endpoint(node);
    if (!ep) return undefined;
    const body = await new Promise<string>((resolve, reject) => {
      const req = agentRequest(ep, this.#o.auth, {
        method: 'GET',
        path: '/stats/summary?only_cpu_and_memory=true',
        headers: { accept: 'application/json' },
        agent: this.#agent,
      });
      req.setTimeout(this.#o.timeoutMs, () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          void readErrorBody(res).then((b) => reject(new Error(`agent answered ${res.statusCode}: ${b}`)));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.end();
    });
    return { summary: JSON.parse(body) as Summary, at: this.#o.now() };
  }
}
