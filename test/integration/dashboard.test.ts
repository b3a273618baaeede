// The dashboard at /ui/ in a real headless Chromium against a real `peapod server`: signing in,
// refusing a wrong token, a pod created with kubectl appearing live and turning Running, logs
// following, and scaling a Deployment from the page with kubectl agreeing. Pods "run" on a node
// played in this process (node-player marks them Running); their logs come from an agent
// streaming endpoint whose fake backend reads a CRI-format file this test appends to — no root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { api, eventually, kubectl, kubectlOk, startServer, type TestServer } from './harness.ts';
import { startNodePlayer, type NodePlayer } from './node-player.ts';
import { startAgentServer, type AgentServer, type StreamingBackend } from '../../src/agent/server/index.ts';
import { browserSkipReason, gotoRetrying, launchChromium, type HeadlessBrowser } from '../browser.ts';
import { skipUnlessCI } from '../skip-unless-ci.ts';

const NODE = 'ui-node';
let server: TestServer;
let agent: AgentServer;
let player: NodePlayer;
let dir: string;

const logLine = (text: string) => `${new Date().toISOString()} stdout F ${text}\n`;

const backend: StreamingBackend = {
  async findContainer(namespace, pod) {
    if (namespace !== 'default' || pod !== 'logger') return undefined;
    return { id: 'logger-1', logPath: join(dir, 'logger.log'), previousLogPath: join(dir, 'none.log'), running: true };
  },
  exec: async () => 1,
  attach: async () => undefined,
  podNetwork: () => undefined,
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peapod-dashboard-'));
  await writeFile(join(dir, 'logger.log'), logLine('first line from logger'));
  server = await startServer({ args: ['--disable', 'agent,scheduler'] });
  const pki = join(server.dataDir, 'pki');
  const nodeToken = (await readFile(join(server.dataDir, 'node-token'), 'utf8')).trim();
  agent = await startAgentServer({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: await readFile(join(pki, 'server.crt'), 'utf8'), key: await readFile(join(pki, 'server.key'), 'utf8') },
    authenticate: (h) => h === `Bearer ${nodeToken}`,
    backend,
  });
  const node = await api(server, 'POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE },
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: agent.port } },
      },
    },
  });
  assert.equal(node.status, 201, node.body);
  player = await startNodePlayer({ server, nodeName: NODE });
});

after(async () => {
  await player?.stop();
  await agent?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dashboard files', () => {
  it('serves the page and its modules without a token, and nothing else anonymously', async () => {
    const page = await api(server, 'GET', '/ui/', { token: null, headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="importmap">\{"imports":\{"preact":"\/ui\/vendor\/preact\.js"/);
    for (const path of ['/ui/app/main.js', '/ui/vendor/preact.js', '/ui/vendor/preact-hooks.js', '/ui/vendor/htm.js', '/ui/style.css']) {
      assert.equal((await api(server, 'GET', path, { token: null })).status, 200, path);
    }
    assert.equal((await api(server, 'GET', '/ui/app/nope.js', { token: null })).status, 404);
    // A dot-segment out of /ui/ lands on the API, which wants a token.
    assert.equal((await api(server, 'GET', '/ui/%2e%2e/api/v1/pods', { token: null })).status, 401);
    assert.equal((await api(server, 'POST', '/ui/', { token: null, body: {} })).status, 405);
    assert.equal((await api(server, 'GET', '/api/v1/pods', { token: null })).status, 401);
  });

  it('prints the dashboard URL at start-up', async () => {
    await eventually('the banner', async () => server.stdout().includes('dashboard at'));
    assert.match(server.stdout(), new RegExp(`peapod: dashboard at ${server.url.replace(/\./g, '\\.')}/ui/ `));
  });
});

describe('dashboard in a browser', { skip: skipUnlessCI(browserSkipReason()) }, () => {
  let chromium: HeadlessBrowser;
  before(async () => {
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
  });

  /** Runs `fn` on a fresh page (own session), closed afterwards whatever happens. */
  async function withPage(fn: (page: Page) => Promise<void>): Promise<void> {
    const context = await chromium.context();
    try {
      await fn(await context.newPage());
    } finally {
      await context.close();
    }
  }

  /** Signs in through the #token= fragment, then opens `hash`. */
  async function signIn(page: Page, hash: string): Promise<void> {
    await gotoRetrying(page, `${server.url}/ui/#token=${encodeURIComponent(server.token)}`);
    await page.getByTestId('user').waitFor();
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  }

  it('refuses a wrong token with a clear message and stays on the sign-in form', async () => {
    await withPage(async (page) => {
      await gotoRetrying(page, `${server.url}/ui/`);
      await page.getByLabel('Bearer token').fill('not-a-real-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('refused this token (401 Unauthorized)').waitFor();
      assert.equal(await page.getByTestId('user').count(), 0);
    });
    // The same through the URL fragment, on a fresh page and on an open one; the token is then
    // removed from the address bar.
    await withPage(async (page) => {
      await gotoRetrying(page, `${server.url}/ui/#token=wrong-one`);
      await page.getByRole('alert').getByText('refused this token').waitFor();
      assert.ok(!page.url().includes('wrong-one'), page.url());
      await page.evaluate(`location.hash = '#token=wrong-two'`);
      await page.waitForURL((u) => !u.hash.includes('wrong-two'));
      await page.getByRole('alert').getByText('refused this token').waitFor();
      assert.equal(await page.getByTestId('user').count(), 0);
    });
  });

  it('signs in with the kubeconfig token through the password field', async () => {
    await withPage(async (page) => {
      await gotoRetrying(page, `${server.url}/ui/`);
      assert.equal(await page.getByLabel('Bearer token').getAttribute('type'), 'password');
      await page.getByLabel('Bearer token').fill(server.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const whoami = (await kubectlOk(server, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).trim();
      assert.equal(await page.getByTestId('user').textContent(), whoami);
      await page.getByRole('heading', { name: 'Cluster overview' }).waitFor();
      await page.locator(`[data-node="${NODE}"]`).waitFor();
    });
  });

  it("shows what the token may see: one namespace's pods, and the Forbidden message for all pods", async () => {
    await kubectlOk(server, ['create', 'namespace', 'dev']);
    await kubectlOk(server, ['-n', 'dev', 'run', 'dev-pod', '--image=busybox']);
    await kubectlOk(server, ['-n', 'dev', 'create', 'serviceaccount', 'viewer']);
    await kubectlOk(server, ['-n', 'dev', 'create', 'rolebinding', 'viewer-view', '--clusterrole=view', '--serviceaccount=dev:viewer']);
    const token = (await kubectlOk(server, ['-n', 'dev', 'create', 'token', 'viewer'])).trim();
    await withPage(async (page) => {
      await gotoRetrying(page, `${server.url}/ui/#token=${encodeURIComponent(token)}`);
      await page.getByTestId('user').getByText('system:serviceaccount:dev:viewer').waitFor();
      await page.evaluate(`location.hash = '#/pods?namespace=dev'`);
      await page.locator('[data-key="dev/dev-pod"]').waitFor();
      await page.evaluate(`location.hash = '#/pods'`);
      await page
        .getByRole('alert')
        .getByText('pods is forbidden: User "system:serviceaccount:dev:viewer" cannot list resource "pods" in API group "" at the cluster scope')
        .waitFor();
      assert.equal(await page.locator('[data-key="dev/dev-pod"]').count(), 0);
    });
  });

  it('shows a pod created with kubectl while the page is open, and its turn to Running', async () => {
    await withPage(async (page) => {
      await signIn(page, '#/pods');
      // Listed (aria-busy false) before the pod exists, so it can only arrive by the watch.
      await page.locator('[data-testid="pods"][aria-busy="false"]').waitFor();
      assert.equal(await page.locator('[data-key="default/live-one"]').count(), 0);
      await kubectlOk(server, ['run', 'live-one', '--image=busybox', '--', 'sleep', '3600']);
      const row = page.locator('[data-key="default/live-one"]');
      await row.waitFor();
      await row.getByText('Running').waitFor();
      assert.match((await row.textContent()) ?? '', new RegExp(NODE));
    });
  });

  it('follows a pod log: a line written after opening appears', async () => {
    await kubectlOk(server, ['run', 'logger', '--image=busybox']);
    await eventually('logger Running', async () => (await kubectl(server, ['get', 'pod', 'logger', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
    await withPage(async (page) => {
      await signIn(page, '#/pod/default/logger');
      await page.getByRole('tab', { name: 'Logs' }).click();
      const logs = page.getByTestId('logs');
      await logs.getByText('first line from logger').waitFor();
      await appendFile(join(dir, 'logger.log'), logLine('written while the page follows'));
      await logs.getByText('written while the page follows').waitFor();
    });
  });

  it('scales a Deployment from the page, and kubectl agrees', async () => {
    await kubectlOk(server, ['create', 'deployment', 'web', '--image=busybox', '--replicas=1']);
    await withPage(async (page) => {
      await signIn(page, '#/deployments');
      const row = page.locator('[data-key="default/web"]');
      await row.getByText('1/1').waitFor();
      await row.getByLabel('Replicas').fill('3');
      await row.getByRole('button', { name: 'Scale' }).click();
      await row.getByText('3/3').waitFor();
      assert.equal(await kubectlOk(server, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
      await eventually('kubectl get deploy shows 3/3', async () => /^web\s+3\/3\s/.test(await kubectlOk(server, ['get', 'deploy', 'web', '--no-headers'])));
    });
  });
});
