// Forwarding of names outside the cluster domain to the node's resolvers, like CoreDNS's
// `forward . /etc/resolv.conf`: the query goes as is over UDP to the first upstream, then the
// next one on timeout; the reply goes back as is (the id is the client's).
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { isIPv4 } from './cluster-records.ts';

export interface Upstream {
  host: string;
  port: number;
}

/** The `nameserver` lines of a resolv.conf (IPv4 only), port 53; `exclude` drops e.g. the cluster DNS IP. */
export async function upstreamsFromResolvConf(path = '/etc/resolv.conf', exclude: string[] = []): Promise<Upstream[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return parseResolvConf(text)
    .nameservers.filter((ns) => isIPv4(ns) && !exclude.includes(ns))
    .map((host) => ({ host, port: 53 }));
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...rest] = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest.filter(Boolean);
    else if (key === 'options') out.options.push(...rest.filter(Boolean));
  }
  return out;
}

/** The upstream's raw reply, or undefined when none answered within `timeoutMs` each. */
export async function forwardQuery(query: Buffer, upstreams: readonly Upstream[], timeoutMs = 2000): Promise<Buffer | undefined> {
  for (const u of upstreams) {
    const reply = await askOne(query, u, timeoutMs);
    if (reply) return reply;
  }
  return undefined;
}

function askOne(query: Buffer, u: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const done = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    // Only a reply to this query (same id) counts.
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
    });
    sock.send(query, u.port, u.host);
  });
}
