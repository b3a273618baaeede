// deployment: how long a Deployment of N replicas takes to become available and to roll out a new
// image completely, with the API requests the controller manager made for each phase. The server
// runs without its own controllers, scheduler and agent; this process runs the controller manager
// (so its client's stats() can be read) and the test "node player" (binds pods, marks them
// Running/Ready at once, finishes graceful deletions) on a separate client. Loopback only.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { createClient, resources, silentLogger, type Client, type ClientStats } from '../../src/client/index.ts';
import { startControllerManager } from '../../src/controllers/index.ts';
import { startNodePlayer } from '../../test/integration/node-player.ts';
import { createProgress, launchServer, onCleanup, parseBenchArgs, runBench, type Figure } from '../lib/index.ts';

const BENCH = 'deployment';
const NS = 'bench-deploy';

function deployment(replicas: number, image: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

/** Resolves when the Deployment reports every replica updated and available at its generation. */
async function rolledOut(client: Client, replicas: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.get<Deployment>(resources.deployments, NS, 'web');
    const s = d.status ?? {};
    if (
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
      s.updatedReplicas === replicas &&
      s.replicas === replicas &&
      s.availableReplicas === replicas
    ) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`rollout not complete after ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function requestFigures(phase: string, stats: ClientStats): Figure[] {
  const out: Figure[] = [{ bench: BENCH, name: `${phase}: controller API requests`, value: stats.total, unit: 'requests' }];
  for (const [k, v] of Object.entries(stats.byResource).sort()) {
    out.push({ bench: BENCH, name: `${phase}: requests ${k}`, value: v, unit: 'requests', detail: true });
  }
  return out;
}

await runBench(BENCH, async () => {
  const { quick } = parseBenchArgs();
  const replicas = quick ? 20 : 100;
  const progress = createProgress({ label: BENCH });
  progress.phase('starting server');
  const server = await launchServer({ args: ['--disable', 'agent,scheduler,controller-manager'] });
  const conn = { url: server.url, token: server.token, ca: server.caPem };
  const admin = createClient({ server: conn.url, token: conn.token, ca: conn.ca, userAgent: 'bench' });
  const cmClient = createClient({ server: conn.url, token: conn.token, ca: conn.ca, userAgent: 'controller-manager' });
  const abort = new AbortController();
  onCleanup(async () => abort.abort());
  await admin.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const player = await startNodePlayer({ server: conn, namespace: NS });
  onCleanup(() => player.stop());
  const cm = await startControllerManager({ client: cmClient, signal: abort.signal, logger: silentLogger });
  await cm.ready;
  cmClient.resetStats();

  progress.end();
  progress.phase(`creating a Deployment of ${replicas}`);
  let t0 = performance.now();
  await admin.create(resources.deployments, NS, deployment(replicas, 'busybox:1.36'));
  await rolledOut(admin, replicas, 120_000);
  const createSeconds = (performance.now() - t0) / 1000;
  const createStats = cmClient.stats();
  cmClient.resetStats();

  progress.end(`${createSeconds.toFixed(2)} s`);
  progress.phase('rolling update');
  t0 = performance.now();
  await admin.patch(
    resources.deployments,
    NS,
    'web',
    { spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox:1.37' }] } } } },
    { type: 'strategic' },
  );
  await rolledOut(admin, replicas, 300_000);
  const rolloutSeconds = (performance.now() - t0) / 1000;
  const rolloutStats = cmClient.stats();
  progress.end(`${rolloutSeconds.toFixed(2)} s`);

  abort.abort();
  await cm.done;
  await player.stop();
  admin.close();
  cmClient.close();
  await server.stop();
  return [
    { bench: BENCH, name: `${replicas} replicas available`, value: createSeconds, unit: 's' },
    { bench: BENCH, name: `rolling update of ${replicas} (25%/25%)`, value: rolloutSeconds, unit: 's' },
    ...requestFigures('create', createStats),
    ...requestFigures('rollout', rolloutStats),
  ];
});
