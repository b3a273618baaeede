import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One image found in an extracted archive: where its config and layer tars are. */
export interface ArchiveImage {
  names: string[];
  configPath: string;
  /** Layer tars, bottom first (plain or gzip). */
  layerPaths: string[];
}

/**
 * Reads the table of contents of an extracted `docker save` archive (manifest.json) or OCI image
 * layout (index.json + blobs). Throws when the directory is neither.
 */
export async function readArchive(dir: string): Promise<ArchiveImage[]> {
  if (existsSync(join(dir, 'manifest.json'))) return readDockerArchive(dir);
  if (existsSync(join(dir, 'index.json'))) return readOciLayout(dir);
  throw new Error('not an image archive: neither manifest.json (docker save) nor index.json (OCI layout) found');
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

async function readDockerArchive(dir: string): Promise<ArchiveImage[]> {
  const manifest = await readJson(join(dir, 'manifest.json'));
  if (!Array.isArray(manifest)) throw new Error('manifest.json is not a list');
  return manifest.filter(isRecord).map((m) => {
    if (typeof m.Config !== 'string') throw new Error('manifest.json entry without Config');
    return {
      names: strings(m.RepoTags),
      configPath: join(dir, m.Config),
      layerPaths: strings(m.Layers).map((l) => join(dir, l)),
    };
  });
}

function blobPath(dir: string, digest: unknown): string {
  if (typeof digest !== 'string' || !/^[a-z0-9]+:[a-f0-9]+$/.test(digest)) throw new Error(`bad digest ${String(digest)}`);
  const [alg, hex] = digest.split(':') as [string, string];
  return join(dir, 'blobs', alg, hex);
}

async function readOciLayout(dir: string): Promise<ArchiveImage[]> {
  const out: ArchiveImage[] = [];
  const visit = async (descriptors: unknown, inheritedNames: string[]): Promise<void> => {
    if (!Array.isArray(descriptors)) return;
    for (const d of descriptors.filter(isRecord)) {
      const ann = isRecord(d.annotations) ? d.annotations : {};
      const names = [...inheritedNames];
      if (typeof ann['io.containerd.image.name'] === 'string') names.push(ann['io.containerd.image.name']);
      else if (typeof ann['org.opencontainers.image.ref.name'] === 'string') names.push(ann['org.opencontainers.image.ref.name']);
      const platform = isRecord(d.platform) ? d.platform : undefined;
      if (platform && typeof platform.architecture === 'string' && platform.architecture !== hostArch()) continue;
      const doc = await readJson(blobPath(dir, d.digest));
      if (!isRecord(doc)) continue;
      if (Array.isArray(doc.manifests)) {
        await visit(doc.manifests, names);
      } else if (isRecord(doc.config) && Array.isArray(doc.layers)) {
        out.push({
          names,
          configPath: blobPath(dir, doc.config.digest),
          layerPaths: doc.layers.filter(isRecord).map((l) => blobPath(dir, l.digest)),
        });
      }
    }
  };
  const index = await readJson(join(dir, 'index.json'));
  if (!isRecord(index)) throw new Error('index.json is not an object');
  await visit(index.manifests, []);
  return out;
}

function hostArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}
