// `peapod hollow-nodes --count N`: N simulated nodes in one process (kubemark's hollow nodes),
// for scale tests and root-less integration tests. Every node runs the real agent (startAgent:
// registration, lease, status, pod workers) with the hollow runtime; only the pod watch is
// shared (one watch demultiplexed by spec.nodeName) and node starts are spread over one lease
// period so renewals do not arrive in bursts. Runs in the foreground until SIGINT/SIGTERM; Nodes
// and Leases stay behind (as when a kubelet stops), so the nodes go NotReady once a node
// lifecycle controller notices.
import type { Command } from 'commander';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { createCliLogger } from './cli-logger.ts';
import { parse as parseYaml } from 'yaml';
import { startAgent, type Agent } from '../agent/agent.ts';
import { SharedConfigMaps, SharedPodInformer } from '../agent/hollow/index.ts';
import { followLeaseConfig, RENEW_INTERVAL_MS } from '../agent/node/index.ts';
import { createClient, type ClientOptions } from '../client/index.ts';
import { ensurePki } from '../util/tls/index.ts';

async function hollowKubeletEndpoint(tokenFile: string, dataRoot: string): Promise<{ token: string; tls: { cert: string; key: string } }> {
  const token = (await readFile(tokenFile, 'utf8')).trim();
  const pki = await ensurePki(join(dataRoot, 'pki'), { hosts: ['127.0.0.1'] });
  return { token, tls: { cert: pki.serverCert, key: pki.serverKey } };
}

interface HollowFlags {
  count: string;
  server?: string;
  token?: string;
  caFile?: string;
  kubeconfig?: string;
  namePrefix: string;
  podCidrBase: string;
  concurrency: string;
  spreadSeconds: string;
  nodeTokenFile?: string;
  heapGrowingPercent: string;
}

function fail(message: string): never {
  process.stderr.write(`peapod hollow-nodes: ${message}\n`);
  process.exit(1);
}

function intFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${flag}: expected an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The i-th /24 of `base` (e.g. 10.64.0.0/10 → 10.64.0.0/24, 10.64.1.0/24, ...). Throws when the
 * base holds fewer than i+1 /24s.
 */
export function nthPodCidr(base: string, i: number): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(base);
  if (!m) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(base)}`);
  const bits = Number(m[5]);
  if (bits > 24) throw new Error(`pod CIDR base ${base} must be /24 or larger`);
  if (i >= 2 ** (24 - bits)) throw new Error(`pod CIDR base ${base} holds only ${2 ** (24 - bits)} /24s`);
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8)) >>> 0;
  const start = addr - (addr % 2 ** (32 - bits)) + i * 256;
  return `${start >>> 24}.${(start >>> 16) & 255}.${(start >>> 8) & 255}.0/24`;
}

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  clusters?: {
    name: string;
    cluster?: { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean };
  }[];
  users?: { name: string; user?: { token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

/** Server, CA and credentials of the kubeconfig's current context (token or embedded client certificate). */
async function fromKubeconfig(path: string): Promise<Omit<ClientOptions, 'userAgent'>> {
  const doc = parseYaml(await readFile(path, 'utf8')) as KubeconfigDoc;
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx?.user)?.user;
  if (!cluster?.server) throw new Error(`${path}: the current context names no cluster server`);
  const b64 = (s: string | undefined): string | undefined => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const ca =
    b64(cluster['certificate-authority-data']) ?? (cluster['certificate-authority'] ? await readFile(cluster['certificate-authority'], 'utf8') : undefined);
  return {
    server: cluster.server,
    ca,
    token: user?.token,
    cert: b64(user?.['client-certificate-data']),
    key: b64(user?.['client-key-data']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'],
  };
}

export function registerHollowNodesCommand(program: Command): void {
  program
    .command('hollow-nodes')
    .description('run N simulated nodes (real agent code, no containers) in one process, for scale tests')
    .requiredOption('--count <n>', 'how many nodes')
    .option('--server <url>', 'API server URL (or use --kubeconfig)')
    .option('--token <token>', 'bearer token (default: $PEAPOD_TOKEN)')
    .option('--ca-file <file>', 'CA bundle that signed the server certificate')
    .option('--kubeconfig <file>', 'take server, CA and credentials from this kubeconfig (default: $KUBECONFIG when --server is absent)')
    .option('--name-prefix <prefix>', 'node names are <prefix><index>', 'hollow-')
    .option('--pod-cidr-base <cidr>', 'node i gets the i-th /24 of this range as its pod CIDR', '10.64.0.0/10')
    .option('--concurrency <n>', 'nodes joining at the same time', '50')
    .option(
      '--spread-seconds <s>',
      'spread node starts over this long, so lease renewals do not come in bursts (default: one lease period)',
      String(RENEW_INTERVAL_MS / 1000),
    )
    .option(
      '--node-token-file <file>',
      "serve each node's kubelet endpoint (stats for metrics.k8s.io, simulated usage) on 127.0.0.1 to callers presenting this token: the server's <data-dir>/node-token",
    )
    .option(
      '--heap-growing-percent <n>',
      'let the JS heap grow at most this many percent over what the last full collection kept (0: V8 decides, up to 300 %)',
      '50',
    )
    .action(async (opts: HollowFlags) => {
      const count = intFlag('--count', opts.count, 1);
      const heapGrowth = intFlag('--heap-growing-percent', opts.heapGrowingPercent, 0);
      // A thousand nodes' pod bursts allocate fast, and V8 then lets the old generation grow to 4×
      // what its last full collection kept and holds that until its memory reducer runs, ~100 s
      // later: 2 GB of RSS for 0.4 GB live at 1,000 nodes / 30,000 pods. A simulator is there to
      // pack nodes into a machine, so it trades CPU for memory: at 50 % it stays under 1 GB, for
      // about a quarter more of its own CPU in a burst (bench/README.md, scale-footprint). V8 reads
      // the flag at each collection, so setting it before the nodes start is enough.
      if (heapGrowth > 0) setFlagsFromString(`--heap-growing-percent=${heapGrowth}`);
      const concurrency = intFlag('--concurrency', opts.concurrency, 1);
      const spreadMs = Number(opts.spreadSeconds) * 1000;
      if (!(spreadMs >= 0)) fail(`--spread-seconds: expected a number ≥ 0, got ${JSON.stringify(opts.spreadSeconds)}`);
      try {
        nthPodCidr(opts.podCidrBase, count - 1);
      } catch (e) {
        fail(`--pod-cidr-base: ${(e as Error).message}`);
      }
      let conn: Omit<ClientOptions, 'userAgent'>;
      const kubeconfig = opts.kubeconfig ?? (opts.server ? undefined : process.env.KUBECONFIG);
      if (opts.server) {
        const token = opts.token ?? process.env.PEAPOD_TOKEN;
        if (!token) fail('--token (or $PEAPOD_TOKEN) is required with --server');
        const ca = opts.caFile ? await readFile(opts.caFile, 'utf8').catch((e: Error) => fail(`--ca-file: ${e.message}`)) : undefined;
        conn = { server: opts.server, token, ca };
      } else if (kubeconfig) {
        conn = await fromKubeconfig(kubeconfig).catch((e: Error) => fail(`--kubeconfig: ${e.message}`));
      } else {
        fail('--server or --kubeconfig is required');
      }
      // Agent logs are per node; at 1,000 nodes only failures are worth a line by default.
      const logger = createCliLogger({ level: process.env.PEAPOD_LOG_LEVEL ?? 'warn' });
      const log = (msg: string, fields?: Record<string, unknown>): void => {
        if (/fail|error/i.test(msg)) logger.warn(fields ?? {}, msg);
        else logger.debug(fields ?? {}, msg);
      };
      // One client (one socket pool) for all nodes; its deadline is long since a thousand nodes
      // joining at once can queue behind each other.
      const client = createClient({ ...conn, userAgent: 'peapod-hollow-nodes', maxSockets: 32 });
      const dataRoot = mkdtempSync(join(tmpdir(), 'peapod-hollow-'));
      const abort = new AbortController();
      setMaxListeners(0, abort.signal); // every node's agent listens on it
      const pods = new SharedPodInformer(client, {
        logger: { info: () => undefined, warn: (m) => log(`pod watch: ${m}`), error: (m) => log(`pod watch failed: ${m}`) },
      });
      const podsDone = pods.start(abort.signal);
      const configMaps = new SharedConfigMaps(client, abort.signal, {
        info: () => undefined,
        warn: (m) => log(`configmap watch: ${m}`),
        error: (m) => log(`configmap watch failed: ${m}`),
      });
      // Every node follows the cluster's lease timing through this one watch.
      const leaseTiming = await followLeaseConfig(
        {
          client,
          logger: { info: () => undefined, warn: (m) => log(`kubelet config: ${m}`), error: (m) => log(`kubelet config failed: ${m}`) },
        },
        abort.signal,
      );
      // One self-signed certificate for every node's endpoint: a key pair per node would cost seconds at 1,000 nodes.
      const kubelet = opts.nodeTokenFile
        ? await hollowKubeletEndpoint(opts.nodeTokenFile, dataRoot).catch((e: Error) => fail(`--node-token-file: ${e.message}`))
        : undefined;
      const agents: Agent[] = [];
      let stopping = false;
      const stop = async (code: number): Promise<void> => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`\npeapod hollow-nodes: stopping ${agents.length} nodes (Nodes and Leases stay)\n`);
        abort.abort();
        const timeout = new Promise((r) => setTimeout(r, 5000).unref());
        await Promise.race([Promise.all([...agents.map((a) => a.stopped), podsDone]), timeout]);
        client.close();
        rmSync(dataRoot, { recursive: true, force: true });
        process.exit(code);
      };
      process.once('SIGINT', () => void stop(0));
      process.once('SIGTERM', () => void stop(0));

      const started = Date.now();
      const tty = process.stderr.isTTY;
      let joined = 0;
      let lastShown = -1;
      const show = (final = false): void => {
        const pct = Math.floor((joined / count) * 10);
        if (!final && !tty && pct === lastShown) return;
        lastShown = pct;
        const line = `peapod hollow-nodes: ${joined}/${count} nodes joined (${((Date.now() - started) / 1000).toFixed(1)} s)`;
        process.stderr.write(tty ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
      };
      try {
        await pods.waitForSync(abort.signal);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < count && !abort.signal.aborted) {
            const i = next++;
            // Node i starts no earlier than i/count of the spread: each starts its lease timer then.
            const due = started + (spreadMs * i) / count;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
            const nodeName = `${opts.namePrefix}${i}`;
            const agent = await startAgent({
              client,
              nodeName,
              dataDir: join(dataRoot, nodeName),
              runtime: 'hollow',
              podCidr: nthPodCidr(opts.podCidrBase, i),
              labels: { 'peapod.dev/hollow': 'true' },
              podSource: (name) => pods.forNode(name),
              configMapSource: (namespace, name) => configMaps.get(namespace, name),
              leaseTiming,
              ...(kubelet ? { nodeIp: '127.0.0.1', streaming: { token: kubelet.token, port: 0, tls: kubelet.tls } } : {}),
              signal: abort.signal,
              log,
            });
            agents.push(agent);
            joined++;
            show();
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
      } catch (e) {
        if (!stopping) {
          process.stderr.write(`peapod hollow-nodes: ${e instanceof Error ? e.message : String(e)}\n`);
          await stop(1);
        }
        return;
      }
      show(true);
      process.stdout.write(
        `peapod hollow-nodes: ${count} nodes ready (${opts.namePrefix}0..${opts.namePrefix}${count - 1}, pod CIDRs from ${nthPodCidr(opts.podCidrBase, 0)})\n`,
      );
    });
}
