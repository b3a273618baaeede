import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../util/command.ts';
import { readArchive } from './archive.ts';
import { buildBusyboxRootfs, BUSYBOX_CONFIG, BUSYBOX_NAME } from './busybox.ts';
import { unpackLayer } from './layers.ts';
import { normalizeReference, repositoryOf } from './reference.ts';
import { ImageNotFoundError, type ImageConfig, type ImageProgressFn, type ImageRecord } from './types.ts';

export interface ImageStoreOptions {
  /** Root of the store: `images.json` and `layers/<hex>/` live here. */
  dataDir: string;
}

/**
 * A local, content-addressed image store. Layers are unpacked once into `layers/<diffID hex>` and
 * shared by every image and container (as overlayfs lower dirs). Mutations are serialised within
 * the process; the index file is replaced atomically, so a crash leaves the previous index.
 */
export class ImageStore {
  readonly dataDir: string;
  #chain: Promise<unknown> = Promise.resolve();
  /** Layers being written right now, so two pulls sharing a layer unpack it once. */
  readonly #layersInFlight = new Map<string, Promise<void>>();

  constructor(opts: ImageStoreOptions) {
    this.dataDir = opts.dataDir;
  }

  async list(): Promise<ImageRecord[]> {
    const path = join(this.dataDir, 'images.json');
    if (!existsSync(path)) return [];
    const doc = JSON.parse(await readFile(path, 'utf8')) as { images?: ImageRecord[] };
    return doc.images ?? [];
  }

  /** Finds an image by reference or id; `busybox:<any tag>` falls back to the built-in busybox. */
  async find(ref: string): Promise<ImageRecord | undefined> {
    const images = await this.list();
    const byId = images.find((i) => i.id === ref || i.id === `sha256:${ref}`);
    if (byId) return byId;
    const name = normalizeReference(ref);
    const exact = images.find((i) => i.names.includes(name) || i.repoDigests?.includes(name));
    if (exact) return exact;
    if (repositoryOf(name) === BUSYBOX_NAME) return images.find((i) => i.names.includes(`${BUSYBOX_NAME}:latest`));
    return undefined;
  }

  async resolve(ref: string): Promise<ImageRecord> {
    const image = await this.find(ref);
    if (!image) throw new ImageNotFoundError(ref);
    return image;
  }

  /** Layer directories top first, the order overlayfs wants for `lowerdir`. */
  layerDirs(image: ImageRecord): string[] {
    return image.layers.map((d) => this.#layerDir(d)).reverse();
  }

  /** Builds the `busybox:latest` image from the host's static busybox unless it exists. */
  ensureBusyboxImage(): Promise<ImageRecord> {
    return this.#serial(async () => {
      const existing = (await this.list()).find((i) => i.names.includes(`${BUSYBOX_NAME}:latest`));
      if (existing?.layers.every((l) => existsSync(this.#layerDir(l)))) return existing;
      const work = await this.#tempDir();
      try {
        const rootfs = join(work, 'rootfs');
        await buildBusyboxRootfs(rootfs);
        const tar = join(work, 'layer.tar');
        await runCommand('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', tar, '-C', rootfs, '.']);
        const diffId = `sha256:${await sha256File(tar)}`;
        const size = await this.#ensureLayer(diffId, tar);
        const config: ImageConfig = { ...BUSYBOX_CONFIG };
        const id = `sha256:${createHash('sha256')
          .update(JSON.stringify({ config, diffIds: [diffId] }))
          .digest('hex')}`;
        return await this.#add({ id, names: [`${BUSYBOX_NAME}:latest`], layers: [diffId], config, size, importedAt: new Date().toISOString() });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  /**
   * Imports every image in an OCI layout tar or `docker save` tar. Layers already in the store are
   * not unpacked again. Returns the imported records.
   */
  importArchive(archivePath: string, onProgress?: ImageProgressFn): Promise<ImageRecord[]> {
    return this.#serial(async () => {
      const work = await this.#tempDir();
      try {
        onProgress?.({ phase: 'extract', current: 0, total: 0, message: `extracting ${archivePath}` });
        await runCommand('tar', ['-xf', archivePath, '-C', work, '--no-same-owner']);
        const found = await readArchive(work);
        const out: ImageRecord[] = [];
        for (const img of found) {
          const configText = await readFile(img.configPath, 'utf8');
          const parsed = parseImageConfig(JSON.parse(configText) as unknown);
          const diffIds: string[] = [];
          let size = 0;
          for (const [i, layerPath] of img.layerPaths.entries()) {
            const diffId = parsed.diffIds[i] ?? `sha256:${await sha256File(layerPath)}`;
            onProgress?.({ phase: 'layer', current: i + 1, total: img.layerPaths.length, message: `layer ${diffId.slice(7, 19)}` });
            size += await this.#ensureLayer(diffId, layerPath);
            diffIds.push(diffId);
          }
          const id = `sha256:${createHash('sha256').update(configText).digest('hex')}`;
          out.push(
            await this.#add({
              id,
              names: img.names.map(normalizeReference),
              layers: diffIds,
              config: parsed.config,
              size,
              importedAt: new Date().toISOString(),
            }),
          );
        }
        onProgress?.({ phase: 'done', current: out.length, total: out.length, message: `imported ${out.flatMap((i) => i.names).join(', ')}` });
        return out;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  hasLayer(diffId: string): boolean {
    return existsSync(this.#layerDir(diffId));
  }

  /**
   * Makes the layer `diffId` exist: `write(dest)` must create `dest` atomically (unpackLayerStream
   * does). Concurrent calls for one layer share one write; an existing layer is never rewritten.
   */
  putLayer(diffId: string, write: (dest: string) => Promise<void>): Promise<void> {
    if (this.hasLayer(diffId)) return Promise.resolve();
    const running = this.#layersInFlight.get(diffId);
    if (running) return running;
    const p = (async () => {
      await mkdir(join(this.dataDir, 'layers'), { recursive: true });
      await write(this.#layerDir(diffId));
    })().finally(() => this.#layersInFlight.delete(diffId));
    this.#layersInFlight.set(diffId, p);
    return p;
  }

  /** Records an image whose layers are all present (a registry pull); its names move to it. */
  addImage(record: ImageRecord): Promise<ImageRecord> {
    return this.#serial(async () => {
      const missing = record.layers.find((l) => !this.hasLayer(l));
      if (missing) throw new Error(`layer ${missing} of image ${record.id} is not in the store`);
      return this.#add(record);
    });
  }

  /**
   * `docker rmi`: a name untags it; an id (or the last name) removes the image and every layer no
   * other image uses. Returns what happened, or undefined when nothing matched.
   */
  remove(ref: string): Promise<{ untagged: string[]; deleted?: string } | undefined> {
    return this.#serial(async () => {
      const image = await this.find(ref);
      if (!image) return undefined;
      const byName = image.id !== ref && image.id !== `sha256:${ref}`;
      const name = normalizeReference(ref);
      const images = await this.list();
      if (byName && image.names.length > 1 && image.names.includes(name)) {
        await this.#write(images.map((i) => (i.id === image.id ? { ...i, names: i.names.filter((n) => n !== name) } : i)));
        return { untagged: [name] };
      }
      const rest = images.filter((i) => i.id !== image.id);
      await this.#write(rest);
      const used = new Set(rest.flatMap((i) => i.layers));
      for (const l of image.layers) if (!used.has(l)) await rm(this.#layerDir(l), { recursive: true, force: true });
      return { untagged: image.names, deleted: image.id };
    });
  }

  #layerDir(diffId: string): string {
    return join(this.dataDir, 'layers', diffId.replace(/^sha256:/, ''));
  }

  async #ensureLayer(diffId: string, tarPath: string): Promise<number> {
    const dir = this.#layerDir(diffId);
    await mkdir(join(this.dataDir, 'layers'), { recursive: true });
    if (existsSync(dir)) return 0;
    return unpackLayer(tarPath, dir);
  }

  async #tempDir(): Promise<string> {
    await mkdir(join(this.dataDir, 'tmp'), { recursive: true });
    return mkdtemp(join(this.dataDir, 'tmp', 'import-'));
  }

  /** Adds or replaces a record; names move from older images to this one (as docker tags do). */
  async #add(record: ImageRecord): Promise<ImageRecord> {
    const images = (await this.list()).filter((i) => i.id !== record.id).map((i) => ({ ...i, names: i.names.filter((n) => !record.names.includes(n)) }));
    const old = (await this.list()).find((i) => i.id === record.id);
    const merged: ImageRecord = { ...record, names: [...new Set([...(old?.names ?? []), ...record.names])] };
    const digests = [...new Set([...(old?.repoDigests ?? []), ...(record.repoDigests ?? [])])];
    if (digests.length) merged.repoDigests = digests;
    images.push(merged);
    await this.#write(images);
    return merged;
  }

  async #write(images: ImageRecord[]): Promise<void> {
    const path = join(this.dataDir, 'images.json');
    await mkdir(this.dataDir, { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify({ images }, null, 2));
    await rename(`${path}.tmp`, path);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export function parseImageConfig(doc: unknown): { config: ImageConfig; diffIds: string[] } {
  const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const c = rec(rec(doc).config);
  const config: ImageConfig = {
    entrypoint: strs(c.Entrypoint),
    cmd: strs(c.Cmd),
    env: strs(c.Env),
    workingDir: str(c.WorkingDir),
    user: str(c.User),
    stopSignal: str(c.StopSignal),
  };
  return { config, diffIds: strs(rec(rec(doc).rootfs).diff_ids) ?? [] };
}
