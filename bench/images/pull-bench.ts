// Image pull from a loopback registry (Debian's docker-registry) — Peapod's puller against
// `podman pull` of the same image, each into a fresh store, side by side. The image is a busybox
// base plus layers of random (incompressible) bytes: ~100 MB (--quick: ~20 MB) in 5 layers.
// Reports: pull seconds (best of 3) and MB/s for both. Root only (layer whiteouts, podman storage).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ImageStore } from '../../src/agent/images/index.ts';
import { ImagePuller } from '../../src/agent/images/registry/puller.ts';
import { buildImageLayout, pushLayout, startRegistry } from '../../test/e2e/registry-fixture.ts';
import { onCleanup } from '../lib/cleanup.ts';
import type { Figure } from '../lib/figures.ts';
import { parseBenchArgs, runBench } from '../lib/run-bench.ts';
import { makeTempDir } from '../lib/temp-dir.ts';

const args = parseBenchArgs();
const TOTAL_MB = args.quick ? 20 : 100;
const RANDOM_LAYERS = 4;
const RUNS = 3;

function seconds(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  return Promise.resolve(fn()).then(() => (performance.now() - t0) / 1000);
}

await runBench('image-pull', async () => {
  if (process.getuid?.() !== 0) throw new Error('needs root (layer whiteouts, podman storage)');
  const dir = makeTempDir('peapod-pull-bench');
  const reg = await startRegistry();
  onCleanup(() => reg.destroy());
  const perLayer = Math.floor((TOTAL_MB * 1_000_000) / RANDOM_LAYERS);
  process.stderr.write(`building a ${TOTAL_MB} MB image (${RANDOM_LAYERS} random layers + busybox)\n`);
  const layout = await buildImageLayout(dir, {
    layers: [{ busybox: true }, ...Array.from({ length: RANDOM_LAYERS }, (_, i) => ({ files: { [`data/blob-${i}`]: randomBytes(perLayer) } }))],
    config: { Cmd: ['sh'] },
  });
  const ref = `${reg.host}/bench/big:1`;
  pushLayout(layout, ref);
  const compressedMb = spawnSync('du', ['-sb', join(layout, 'blobs')], { encoding: 'utf8' }).stdout.split('\t')[0] ?? '0';
  const mb = Number(compressedMb) / 1e6;

  const peapod: number[] = [];
  const podman: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const store = new ImageStore({ dataDir: join(dir, `peapod-${run}`) });
    const puller = new ImagePuller({ store });
    peapod.push(await seconds(async () => void (await puller.pull(ref))));
    const root = join(dir, `podman-${run}`);
    podman.push(
      await seconds(() => {
        const r = spawnSync('podman', ['--root', join(root, 'root'), '--runroot', join(root, 'run'), 'pull', '--quiet', '--tls-verify=false', ref], {
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`podman pull failed: ${r.stderr}`);
      }),
    );
    spawnSync('podman', ['--root', join(root, 'root'), '--runroot', join(root, 'run'), 'system', 'reset', '--force'], { stdio: 'ignore' });
    process.stderr.write(`run ${run + 1}: peapod ${peapod[run]!.toFixed(2)} s, podman ${podman[run]!.toFixed(2)} s\n`);
  }
  const best = (xs: number[]): number => Math.min(...xs);
  const f = (name: string, value: number, unit: string): Figure => ({ bench: 'image-pull', name, value, unit });
  return [
    f('image size (blobs)', mb, 'MB'),
    f('peapod pull (best of 3)', best(peapod), 's'),
    f('podman pull (best of 3)', best(podman), 's'),
    f('peapod throughput', mb / best(peapod), 'MB/s'),
    f('podman throughput', mb / best(podman), 'MB/s'),
    f('peapod / podman time', best(peapod) / best(podman), 'ratio'),
  ];
});
