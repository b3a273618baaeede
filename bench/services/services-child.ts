// The services benchmark's measuring half. It runs inside a network namespace made by
// services-bench.ts (nothing here touches the host's tables or routes) and prints one JSON line
// of raw samples. Sizes come from argv: <services> <endpoints> <trials> <dnsSeconds>.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildRuleset, buildServicePorts, renderDiff, renderFull, startNodeProxy } from '../../src/agent/proxy/index.ts';
import { runCommand } from '../../src/util/command.ts';
import { REPO_ROOT } from '../lib/server-process.ts';
import { benchService, benchSlice, fakeServiceInformers } from './fake-informers.ts';

const [svcText = '1000', epText = '10', trialsText = '20', dnsText = '5'] = process.argv.slice(2);
const SERVICES = Number(svcText);
const ENDPOINTS = Number(epText);
const TRIALS = Number(trialsText);
const DNS_SECONDS = Number(dnsText);
const TARGET = '192.168.77.1';

const endpointIps = (i: number): string[] =>
  Array.from({ length: ENDPOINTS }, (_, k) => `10.42.${((i * ENDPOINTS + k) >> 8) & 255}.${(i * ENDPOINTS + k) & 255 || 1}`);

async function nftSync(): Promise<{ renderMs: number[]; fullMs: number[]; changeMs: number[]; bytes: number }> {
  const services = Array.from({ length: SERVICES }, (_, i) => benchService(i));
  const slices = Array.from({ length: SERVICES }, (_, i) => benchSlice(i, endpointIps(i)));
  const opts = { table: 'peapod-bench', clusterCidr: '10.42.0.0/16' };
  const renderMs: number[] = [];
  const fullMs: number[] = [];
  const changeMs: number[] = [];
  let bytes = 0;
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    const first = buildRuleset(buildServicePorts(services, slices, { nodeName: 'bench' }), opts);
    const text = renderFull(first);
    renderMs.push(performance.now() - t0);
    bytes = text.length;
    // The table from nothing (full sync), then one endpoint changed (what the proxy sends then: the
    // diff, measured from the informer stores to nft done, as a sync does it).
    await runCommand('nft', ['-f', '-'], { input: 'add table ip peapod-bench\ndelete table ip peapod-bench\n' });
    const t1 = performance.now();
    await runCommand('nft', ['-f', '-'], { input: text });
    fullMs.push(performance.now() - t1);
    slices[0] = benchSlice(0, [...endpointIps(0).slice(1), `10.42.255.${t + 2}`]);
    const t2 = performance.now();
    const changed = renderDiff(first, buildRuleset(buildServicePorts(services, slices, { nodeName: 'bench' }), opts))!;
    await runCommand('nft', ['-f', '-'], { input: changed });
    changeMs.push(performance.now() - t2);
  }
  await runCommand('nft', ['-f', '-'], { input: 'add table ip peapod-bench\ndelete table ip peapod-bench\n' });
  return { renderMs, fullMs, changeMs, bytes };
}

/** Endpoint turns ready (slice event) → first TCP connection through the VIP accepted. */
async function flowAndDns(): Promise<{ flowMs: number[]; steadyMs: number[]; dnsDirect: unknown; dnsVip: unknown }> {
  const fake = fakeServiceInformers();
  const backend = createServer((s) => s.end());
  await new Promise<void>((r) => backend.listen(0, TARGET, () => r()));
  const port = (backend.address() as { port: number }).port;
  // Background load: the proxy's table holds the same number of Services as the sync benchmark.
  for (let i = 0; i < SERVICES; i++) {
    fake.services.put(benchService(i));
    fake.slices.put(benchSlice(i, endpointIps(i)));
  }
  const vip = '10.43.250.1';
  fake.services.put({ metadata: { name: 'flow', namespace: 'bench' }, spec: { clusterIP: vip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  const ac = new AbortController();
  const proxy = await startNodeProxy(
    {
      nodeName: 'bench',
      informers: fake.informers,
      clusterCidr: '10.42.0.0/16',
      serviceCidr: '10.43.0.0/16',
      clusterDns: '10.43.0.10',
      clusterDomain: 'cluster.local',
      podGateway: TARGET,
      upstreams: [],
      log: () => undefined,
    },
    ac.signal,
  );
  await proxy.flush();
  const slice = (ready: boolean) => ({
    metadata: { name: 'flow-x', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'flow' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: ready ? [{ addresses: [TARGET], conditions: { ready: true } }] : [],
  });
  const flowMs: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    fake.slices.put(slice(false));
    await proxy.flush();
    await new Promise((r) => setTimeout(r, 250));
    const t0 = performance.now();
    fake.slices.put(slice(true));
    for (;;) {
      // Rejections are ICMP, which the kernel rate-limits (1/s per peer): an attempt whose reject
      // was suppressed would wait for a SYN retransmit (1 s), so each attempt gives up after 20 ms.
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(80, vip);
        const timer = setTimeout(() => {
          s.destroy();
          resolve(false);
        }, 20);
        s.once('connect', () => {
          clearTimeout(timer);
          s.destroy();
          resolve(true);
        });
        s.once('error', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    flowMs.push(performance.now() - t0);
  }
  // The same path once the rules are in place: what a connection through the VIP costs by itself.
  const steadyMs: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const s = connect(80, vip);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => resolve());
    });
    steadyMs.push(performance.now() - t0);
  }
  const load = async (host: string, p: number): Promise<unknown> => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'bench/services/dns-load.ts'), host, String(p), String(DNS_SECONDS), '32', String(SERVICES)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    return JSON.parse(line) as unknown;
  };
  const dnsDirect = await load('127.0.0.1', proxy.dns!.port);
  const dnsVip = await load('10.43.0.10', 53);
  ac.abort();
  backend.close();
  return { flowMs, steadyMs, dnsDirect, dnsVip };
}

const sync = await nftSync();
const rest = await flowAndDns();
process.stdout.write(`${JSON.stringify({ ...sync, ...rest })}\n`);
process.exit(0);
