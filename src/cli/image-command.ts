// `peapod image import FILE` and `peapod image ls`: the node's local image store (the one the
// agent with the same --data-dir runs containers from).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ImagePuller,
  ImageStore,
  loadRegistriesConfig,
  parseImageRef,
  type ImageRecord,
  type ImportProgress,
  type PullProgress,
} from '../agent/images/index.ts';
import { defaultAgentDataDir } from './agent-command.ts';

interface ImageFlags {
  dataDir: string;
}

interface PullFlags extends ImageFlags {
  registryConfig?: string;
  creds?: string;
}

const BAR_WIDTH = 30;

/** `[#########.........] 3/9 layer 0123456789ab` on a terminal, one line per step otherwise. */
export function progressReporter(out: NodeJS.WriteStream): (p: ImportProgress) => void {
  const tty = out.isTTY === true;
  return (p) => {
    if (!tty) {
      out.write(`${p.phase === 'layer' ? `[${p.current}/${p.total}] ` : ''}${p.message}\n`);
      return;
    }
    const done = p.total > 0 ? Math.round((p.current / p.total) * BAR_WIDTH) : 0;
    const bar = p.phase === 'extract' ? '' : `[${'#'.repeat(done)}${'.'.repeat(BAR_WIDTH - done)}] ${p.current}/${p.total} `;
    out.write(`\r\x1b[2K${bar}${p.message}${p.phase === 'done' ? '\n' : ''}`);
  };
}

/** `[##########..........] 12.3MB/45.6MB  2/5 layers` redrawn on a terminal; a line per layer otherwise. */
export function pullProgressReporter(out: NodeJS.WriteStream): (p: PullProgress) => void {
  const tty = out.isTTY === true;
  let lastLayers = -1;
  return (p) => {
    if (!tty) {
      if (p.layersDone !== lastLayers) out.write(`${p.layersDone}/${p.layers} layers, ${humanSize(p.downloaded)}/${humanSize(p.total)}\n`);
      lastLayers = p.layersDone;
      return;
    }
    const done = p.total > 0 ? Math.round((p.downloaded / p.total) * BAR_WIDTH) : BAR_WIDTH;
    out.write(
      `\r\x1b[2K[${'#'.repeat(done)}${'.'.repeat(BAR_WIDTH - done)}] ${humanSize(p.downloaded)}/${humanSize(p.total)}  ${p.layersDone}/${p.layers} layers`,
    );
  };
}

/** Docker's human sizes: 2.1MB, 512kB (powers of 1000). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0).replace(/\.?0+$/, '')}${units[i]}`;
}

/** One row per name (as `docker images`); unnamed images show `<none>`. */
export function imageRows(images: readonly ImageRecord[]): string[][] {
  const rows: string[][] = [];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 12);
    const names = img.names.length ? img.names : ['<none>:<none>'];
    for (const n of names) {
      const at = n.lastIndexOf(':');
      const tagged = at > n.lastIndexOf('/');
      rows.push([tagged ? n.slice(0, at) : n, tagged ? n.slice(at + 1) : '<none>', id, humanSize(img.size)]);
    }
  }
  return rows.sort((a, b) => (a[0]! + a[1]!).localeCompare(b[0]! + b[1]!));
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n';
}

function fail(message: string, command = 'import'): never {
  process.stderr.write(`peapod image ${command}: ${message}\n`);
  process.exit(1);
}

export function registerImageCommand(program: Command): void {
  const image = program.command('image').description("manage the node's local images");
  image
    .command('import <file>')
    .description('load an OCI archive or a `docker save` archive into the image store')
    .option('--data-dir <dir>', "the agent's data dir (images live in <dir>/images)", defaultAgentDataDir())
    .action(async (file: string, opts: ImageFlags) => {
      if (!existsSync(file)) fail(`open ${file}: no such file`);
      const store = new ImageStore({ dataDir: join(opts.dataDir, 'images') });
      try {
        const imported = await store.importArchive(file, progressReporter(process.stderr));
        for (const img of imported) process.stdout.write(`Loaded image: ${img.names.join(', ') || img.id}\n`);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    });
  image
    .command('pull <reference>')
    .description('pull an image from a registry into the store (what the agent does for pods)')
    .option('--data-dir <dir>', "the agent's data dir (images live in <dir>/images)", defaultAgentDataDir())
    .option('--registry-config <file>', 'k3s-style registries.yaml (default: <data-dir>/registries.yaml)')
    .option('--creds <user:password>', "credentials for the image's registry")
    .action(async (reference: string, opts: PullFlags) => {
      const store = new ImageStore({ dataDir: join(opts.dataDir, 'images') });
      const config = opts.registryConfig ?? join(opts.dataDir, 'registries.yaml');
      const puller = new ImagePuller({ store, registries: () => loadRegistriesConfig(config) });
      const keyring = new Map<string, { username: string; password: string }>();
      try {
        if (opts.creds) {
          const i = opts.creds.indexOf(':');
          keyring.set(parseImageRef(reference).registry, { username: opts.creds.slice(0, Math.max(0, i)), password: i >= 0 ? opts.creds.slice(i + 1) : '' });
        }
        const tty = process.stderr.isTTY === true;
        const { image, digest } = await puller.pull(reference, { keyring, onProgress: pullProgressReporter(process.stderr) });
        if (tty) process.stderr.write('\n');
        process.stdout.write(`Digest: ${digest}\nPulled: ${image.names[0] ?? reference} (${image.id.slice(7, 19)}, ${humanSize(image.size)})\n`);
        // Idle keep-alive connections to the registry would hold the process for seconds.
        process.exit(0);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e), 'pull');
      }
    });
  image
    .command('rm <reference...>')
    .description('untag or remove images (layers no other image uses are deleted)')
    .option('--data-dir <dir>', "the agent's data dir (images live in <dir>/images)", defaultAgentDataDir())
    .action(async (refs: string[], opts: ImageFlags) => {
      const store = new ImageStore({ dataDir: join(opts.dataDir, 'images') });
      let failed = false;
      for (const ref of refs) {
        const r = await store.remove(ref);
        if (!r) {
          process.stderr.write(`peapod image rm: No such image: ${ref}\n`);
          failed = true;
          continue;
        }
        for (const n of r.untagged) process.stdout.write(`Untagged: ${n}\n`);
        if (r.deleted) process.stdout.write(`Deleted: ${r.deleted}\n`);
      }
      if (failed) process.exit(1);
    });
  image
    .command('ls')
    .description('list the images in the store')
    .option('--data-dir <dir>', "the agent's data dir (images live in <dir>/images)", defaultAgentDataDir())
    .action(async (opts: ImageFlags) => {
      const store = new ImageStore({ dataDir: join(opts.dataDir, 'images') });
      process.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'], imageRows(await store.list())));
    });
}
