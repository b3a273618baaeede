// `peapod hollow-nodes` as a child process of a test, serving each node's kubelet stats endpoint on
// loopback (the server's node token), until stop().
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { eventually, kubectl, type TestServer } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface HollowNodes {
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `count` hollow nodes named `<prefix>0..` and waits until all are registered. */
export async function startHollowNodes(server: TestServer, opts: { count: number; prefix: string }): Promise<HollowNodes> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/peapod.js'),
      'hollow-nodes',
      '--count',
      String(opts.count),
      '--kubeconfig',
      server.kubeconfig,
      '--spread-seconds',
      '0',
      '--node-token-file',
      join(server.dataDir, 'node-token'),
      '--name-prefix',
      opts.prefix,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const nodes: HollowNodes = {
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
  try {
    await eventually(
      `${opts.count} hollow nodes`,
      async () => {
        const names = (await kubectl(server, ['get', 'nodes', '-o', 'name'])).stdout.split('\n').filter((n) => n.startsWith(`node/${opts.prefix}`));
        return names.length === opts.count;
      },
      60_000,
    );
  } catch (e) {
    await nodes.stop();
    throw new Error(`${(e as Error).message}\nhollow-nodes stderr:\n${err}`);
  }
  return nodes;
}
