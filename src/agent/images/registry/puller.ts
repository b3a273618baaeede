import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Duplex, PassThrough, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ImageStore } from '../image-store.ts';
import { parseImageConfig } from '../image-store.ts';
import { unpackLayerStream } from '../layers.ts';
import type { ImageRecord } from '../types.ts';
import type { RegistryCredential } from './auth.ts';
import type { Keyring } from './credentials.ts';
import type { Endpoint } from './http.ts';
import { readBody } from './http.ts';
import { canonicalRef, familiarRef, familiarRepository, parseImageRef, type ImageRef } from './image-ref.ts';
import { layerCompression, parseManifest, selectPlatform, hostPlatform, type Descriptor } from './manifest.ts';
import { EMPTY_REGISTRIES, endpointsFor, hostOf, type RegistriesConfig } from './registry-config.ts';
import { RepositoryClient } from './registry-client.ts';

export interface PullProgress {
  /** Bytes of layer blobs downloaded so far / in total (layers already present do not count). */
  downloaded: number;
  total: number;
  /** Layers done / all layers of the image. */
  layersDone: number;
  layers: number;
  message: string;
}

export interface PullOptions {
  keyring?: Keyring;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
}

export interface PullResult {
  image: ImageRecord;
  /** The manifest digest (what `repo@digest` names). */
  digest: string;
  /** Size of the image as containerd reports it: config plus compressed layers. */
  size: number;
  /** How long the pull itself took (callers that joined a running pull waited less). */
  pullMs?: number;
}

export interface ImagePullerOptions {
  store: ImageStore;
  /** Read on every pull, so an edited registries.yaml applies without a restart. */
  registries?: () => Promise<RegistriesConfig>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Sees every registry HTTP request (tests count them). */
  onRequest?: (method: string, url: string) => void;
}

/** Most layers downloaded at once per image (containerd's default is 3). */
const LAYER_CONCURRENCY = 3;

/**
 * Pulls images from registries into the store, as containerd does: resolve the tag to a manifest
 * (an index resolves to linux/<this arch>), fetch the config, then stream each missing layer
 * through sha256 (compressed digest) → decompress → sha256 (diff ID) → tar, so unpacking runs
 * while downloading and nothing unverified becomes visible. Concurrent pulls of one reference
 * share one pull.
 */
export class ImagePuller {
  readonly #inFlight = new Map<string, Promise<PullResult>>();

  constructor(private readonly opts: ImagePullerOptions) {}

  /** Rejects with InvalidImageNameError for a bad reference, else with the pull's failure. */
  async pull(reference: string, opts: PullOptions = {}): Promise<PullResult> {
    const ref = parseImageRef(reference);
    const key = canonicalRef(ref);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = this.#pull(ref, opts).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  async #pull(ref: ImageRef, opts: PullOptions): Promise<PullResult> {
    const display = canonicalRef(ref);
    const started = Date.now();
    const registries = (await this.opts.registries?.()) ?? EMPTY_REGISTRIES;
    const endpoints = await endpointsFor(ref.registry, registries);
    const secret = opts.keyring?.get(ref.registry);
    const credentialFor = (e: Endpoint): RegistryCredential | undefined =>
      secret ?? registries.configs[hostOf(e.url)]?.auth ?? registries.configs[ref.registry]?.auth;
    const client = new RepositoryClient({ endpoints, repository: ref.repository, credentialFor, signal: opts.signal, onRequest: this.opts.onRequest });
    let manifest: Awaited<ReturnType<typeof client.manifest>>;
    try {
      manifest = await client.manifest(ref.digest ?? ref.tag ?? 'latest', display);
    } catch (e) {
      throw new Error(`failed to resolve reference "${display}": ${e instanceof Error ? e.message : String(e)}`);
    }
    const digest = manifest.digest;
    let parsed = parseManifest(manifest.body, manifest.mediaType);
    let imageDigest = digest;
    if (parsed.kind === 'index') {
      const want = hostPlatform();
      const chosen = selectPlatform(parsed.manifests, want);
      if (!chosen) throw new Error(`no match for platform in manifest ${digest}: not found (want ${want.os}/${want.architecture})`);
      const child = await client.manifest(chosen.digest, display);
      parsed = parseManifest(child.body, child.mediaType ?? chosen.mediaType);
      imageDigest = child.digest;
      if (parsed.kind !== 'image') throw new Error(`manifest ${chosen.digest} of ${display} is not an image manifest`);
    }
    const configBody = await readBody(await client.blob(parsed.config.digest), 16 << 20);
    const configDigest = `sha256:${createHash('sha256').update(configBody).digest('hex')}`;
    if (configDigest !== parsed.config.digest) throw new Error(`config digest mismatch: expected ${parsed.config.digest}, got ${configDigest}`);
    const config = parseImageConfig(JSON.parse(configBody.toString('utf8')) as unknown);
    if (config.diffIds.length !== parsed.layers.length)
      throw new Error(`image config of ${display} lists ${config.diffIds.length} diff IDs for ${parsed.layers.length} layers`);
    this.opts.log?.('image: pulling', { image: display, manifest: imageDigest, layers: parsed.layers.length });
    await this.#layers(client, parsed.layers, config.diffIds, opts);
    const size = parsed.config.size + parsed.layers.reduce((n, l) => n + l.size, 0);
    const names = ref.tag ? [familiarRef({ ...ref, digest: undefined })] : [];
    const image = await this.opts.store.addImage({
      id: configDigest,
      names,
      layers: config.diffIds,
      config: config.config,
      size,
      repoDigests: [`${familiarRepository(ref)}@${digest}`],
      importedAt: new Date().toISOString(),
    });
    this.opts.log?.('image: pulled', { image: display, digest, size });
    return { image, digest, size, pullMs: Date.now() - started };
  }

  async #layers(client: RepositoryClient, layers: Descriptor[], diffIds: string[], opts: PullOptions): Promise<void> {
    const todo = layers.map((l, i) => ({ layer: l, diffId: diffIds[i]! })).filter((t) => !this.opts.store.hasLayer(t.diffId));
    const progress: PullProgress = {
      downloaded: 0,
      total: todo.reduce((n, t) => n + t.layer.size, 0),
      layersDone: layers.length - todo.length,
      layers: layers.length,
      message: '',
    };
    const report = (message: string): void => opts.onProgress?.({ ...progress, message });
    report('resolved');
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const t = todo[next++]!;
        await this.opts.store.putLayer(t.diffId, async (dest) => {
          const res = await client.blob(t.layer.digest);
          const counted = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              progress.downloaded += chunk.length;
              report(`layer ${t.layer.digest.slice(7, 19)}`);
              cb(null, chunk);
            },
          });
          res.on('error', (e) => counted.destroy(e));
          await unpackVerified(res.pipe(counted), { layer: t.layer, diffId: t.diffId, dest }).catch((e: unknown) => {
            const msg = e instanceof Error ? e.message : String(e);
            throw new Error(msg.includes(t.layer.digest) ? msg : `failed to extract layer ${t.layer.digest}: ${msg}`);
          });
        });
        progress.layersDone++;
        report(`layer ${t.layer.digest.slice(7, 19)} done`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LAYER_CONCURRENCY, todo.length) }, worker));
  }
}

/** Hashes the compressed bytes and the tar stream while unpacking; a mismatch discards the layer. */
async function unpackVerified(blob: Readable, t: { layer: Descriptor; diffId: string; dest: string }): Promise<void> {
  const compressed = createHash('sha256');
  const uncompressed = createHash('sha256');
  const tap = (h: ReturnType<typeof createHash>): Transform =>
    new Transform({
      transform(c: Buffer, _e, cb) {
        h.update(c);
        cb(null, c);
      },
    });
  const kind = layerCompression(t.layer.mediaType);
  const decompress = kind === 'gzip' ? createGunzip() : kind === 'zstd' ? zstdDecoder() : new PassThrough();
  const chain = [blob, tap(compressed), decompress, tap(uncompressed)];
  for (let i = 0; i < chain.length - 1; i++) {
    chain[i]!.on('error', (e) => chain[chain.length - 1]!.destroy(e));
    chain[i]!.pipe(chain[i + 1]! as Duplex);
  }
  await unpackLayerStream(chain[chain.length - 1]!, t.dest, () => {
    const got = `sha256:${compressed.digest('hex')}`;
    if (got !== t.layer.digest)
      throw new Error(`failed commit on ref "layer-${t.layer.digest}": unexpected commit digest ${got}, expected ${t.layer.digest}: failed precondition`);
    const diff = `sha256:${uncompressed.digest('hex')}`;
    if (diff !== t.diffId) throw new Error(`layer ${t.layer.digest} unpacks to ${diff}, but the image config says ${t.diffId}`);
  });
}

/** Node 20's zlib has no zstd: decode through the `zstd` command when the host has it. */
function zstdDecoder(): Duplex {
  const child = spawn('zstd', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (e) => duplex.destroy(new Error(`a zstd-compressed layer needs the zstd command (Node 20 cannot decode zstd): ${e.message}`)));
  return duplex;
}
