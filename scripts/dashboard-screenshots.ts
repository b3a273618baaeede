// `npm run screenshots`: starts a small cluster (a real `peapod server` with 3 hollow nodes, no
// root needed), gives it some workloads, and writes PNG screenshots of the dashboard's main views
// to docs/screenshots/ with headless Chromium. The README shows them.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanupAll, REPO_ROOT } from '../bench/lib/index.ts';
import { startCluster } from '../bench/scale/cluster.ts';
import { gotoRetrying, launchChromium } from '../test/browser.ts';

const OUT = join(REPO_ROOT, 'docs', 'screenshots');
const run = promisify(execFile);

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec:
  serviceName: db
  replicas: 2
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: busybox, command: [sleep, "3600"] }] }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: log-shipper, namespace: kube-system }
spec:
  selector: { matchLabels: { app: log-shipper } }
  template:
    metadata: { labels: { app: log-shipper } }
    spec: { containers: [{ name: shipper, image: busybox, command: [sleep, "3600"] }] }
---
apiVersion: batch/v1
kind: Job
metadata: { name: report, namespace: shop }
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: report, image: busybox, command: [echo, done] }]
`;

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const cluster = await startCluster({ nodes: 3, spreadSeconds: 1 });
  const { server } = cluster;
  const kubeconfig = join(server.dataDir, 'kubeconfig.yaml');
  const kubectl = (args: string[], input?: string) => {
    const p = run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig } });
    if (input !== undefined) p.child.stdin!.end(input);
    return p;
  };
  await kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=6', '-n', 'default', '--', 'sleep', '3600']);
  await kubectl(['create', 'deployment', 'api', '--image=busybox', '--replicas=3', '-n', 'default', '--', 'sleep', '3600']);
  await kubectl(['apply', '-f', '-'], MANIFESTS);
  await kubectl(['run', 'debug', '--image=busybox', '--', 'sleep', '3600']);
  await kubectl(['wait', '--for=condition=Ready', 'pod', '--all', '-A', '--timeout=120s']).catch(() => undefined);
  const metrics = await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']).then(
    () => true,
    () => false,
  );

  const chromium = await launchChromium();
  try {
    const page = await (await chromium.context()).newPage();
    await gotoRetrying(page, `${server.url}/ui/`);
    await page.getByLabel('Bearer token').waitFor();
    await page.screenshot({ path: join(OUT, 'sign-in.png') });
    await gotoRetrying(page, `${server.url}/ui/#token=${encodeURIComponent(server.token)}`);
    await page.getByTestId('user').waitFor();
    // With a metrics API, wait for a few samples so the sparklines have a shape.
    if (metrics) await page.waitForTimeout(16_000);
    const views: [string, string][] = [
      ['overview', '#/'],
      ['pods', '#/pods'],
      ['pod', '#/pod/default/debug'],
      ['deployments', '#/deployments'],
      ['nodes', '#/nodes'],
      ['events', '#/events'],
    ];
    for (const [name, hash] of views) {
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await page.locator('main h1').waitFor();
      await page.waitForTimeout(1000);
      await page.screenshot({ path: join(OUT, `${name}.png`) });
      process.stdout.write(`wrote docs/screenshots/${name}.png\n`);
    }
  } finally {
    await chromium.close();
    await cluster.stop();
  }
}

try {
  await main();
} finally {
  await cleanupAll();
}
