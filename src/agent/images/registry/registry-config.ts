import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import type { RegistryCredential } from './auth.ts';
import type { Endpoint } from './http.ts';

/**
 * The node's registry configuration, in k3s's `registries.yaml` shape:
 *
 *   mirrors:
 *     docker.io:
 *       endpoint: ["http://127.0.0.1:5000"]
 *   configs:
 *     "registry.example.com:5000":
 *       auth: { username: u, password: p }      # or auth: <base64 user:pass>, identitytoken
 *       tls: { ca_file: /etc/ssl/ca.pem, insecure_skip_verify: false }
 */
export interface RegistriesConfig {
  mirrors: Record<string, { endpoint: string[] }>;
  configs: Record<string, { auth?: RegistryCredential; tls?: { caFile?: string; insecureSkipVerify?: boolean } }>;
}

export const EMPTY_REGISTRIES: RegistriesConfig = { mirrors: {}, configs: {} };

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Reads the file; a missing file is an empty config, a malformed one throws (naming the file). */
export async function loadRegistriesConfig(path: string): Promise<RegistriesConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_REGISTRIES;
    throw e;
  }
  try {
    return parseRegistriesConfig(parse(text) as unknown);
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function parseRegistriesConfig(doc: unknown): RegistriesConfig {
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  for (const [host, m] of Object.entries(rec(rec(doc).mirrors))) {
    const endpoint = rec(m).endpoint;
    if (!Array.isArray(endpoint) || !endpoint.every((e) => typeof e === 'string')) throw new Error(`mirrors.${host}.endpoint must be a list of URLs`);
    out.mirrors[host] = { endpoint: endpoint as string[] };
  }
  for (const [host, c] of Object.entries(rec(rec(doc).configs))) {
    const a = rec(rec(c).auth);
    let auth: RegistryCredential | undefined;
    if (str(a.username) || str(a.auth) || str(a.identitytoken)) {
      const [u, ...p] = str(a.auth) ? Buffer.from(str(a.auth)!, 'base64').toString('utf8').split(':') : [];
      auth = { username: str(a.username) ?? u, password: str(a.password) ?? p.join(':'), identityToken: str(a.identitytoken) };
    }
    const t = rec(rec(c).tls);
    out.configs[host] = { auth, tls: { caFile: str(t.ca_file), insecureSkipVerify: t.insecure_skip_verify === true } };
  }
  return out;
}

/** Docker allows plain HTTP to loopback registries without configuration. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

function defaultEndpoint(registry: string): string {
  if (registry === 'docker.io') return 'https://registry-1.docker.io';
  return `${isLoopbackHost(registry) ? 'http' : 'https'}://${registry}`;
}

/** The host[:port] a URL's config is looked up under. */
export function hostOf(url: string): string {
  return new URL(url).host;
}

/**
 * Where to pull `registry` from: its mirrors in order, then the registry itself (k3s falls back to
 * the default endpoint too), each with the TLS settings of its `configs` entry.
 */
export async function endpointsFor(registry: string, cfg: RegistriesConfig): Promise<Endpoint[]> {
  const urls = [...(cfg.mirrors[registry]?.endpoint ?? []), defaultEndpoint(registry)];
  const out: Endpoint[] = [];
  for (const raw of [...new Set(urls.map((u) => u.replace(/\/+$/, '').replace(/\/v2$/, '')))]) {
    const host = hostOf(raw);
    const tls = cfg.configs[host]?.tls ?? cfg.configs[raw]?.tls;
    out.push({ url: raw, ca: tls?.caFile ? await readFile(tls.caFile, 'utf8') : undefined, insecureSkipVerify: tls?.insecureSkipVerify });
  }
  return out;
}
