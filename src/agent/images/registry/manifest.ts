/** Media types and the shapes of manifests, indexes and descriptors a puller reads. */
export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** What a manifest GET asks for, preferred first (as containerd sends it). */
export const ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest, '*/*'].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export type ParsedManifest = { kind: 'index'; manifests: Descriptor[] } | { kind: 'image'; config: Descriptor; layers: Descriptor[] };

export class UnsupportedManifestError extends Error {
  override name = 'UnsupportedManifestError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function descriptor(v: unknown): Descriptor {
  if (!isRecord(v) || typeof v.digest !== 'string' || typeof v.size !== 'number') throw new UnsupportedManifestError('descriptor without digest or size');
  const platform = isRecord(v.platform) ? (v.platform as Descriptor['platform']) : undefined;
  return { mediaType: typeof v.mediaType === 'string' ? v.mediaType : '', digest: v.digest, size: v.size, platform };
}

/** Parses a manifest body; `contentType` is the response's (used when the body has no mediaType). */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  const doc = JSON.parse(body.toString('utf8')) as unknown;
  if (!isRecord(doc)) throw new UnsupportedManifestError('manifest is not a JSON object');
  const type = typeof doc.mediaType === 'string' ? doc.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (doc.schemaVersion === 1)
    throw new UnsupportedManifestError('Docker image manifest schema 1 is not supported (push the image again with a current client)');
  if (Array.isArray(doc.manifests) && type !== MEDIA.ociManifest && type !== MEDIA.dockerManifest) {
    return { kind: 'index', manifests: doc.manifests.map(descriptor) };
  }
  if (isRecord(doc.config) && Array.isArray(doc.layers)) {
    return { kind: 'image', config: descriptor(doc.config), layers: doc.layers.map(descriptor) };
  }
  throw new UnsupportedManifestError(`unsupported manifest media type ${JSON.stringify(type)}`);
}

/** This machine as OCI names it: linux/amd64, linux/arm64/v8... */
export function hostPlatform(): { os: string; architecture: string; variant?: string } {
  const arch =
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ??
    process.arch;
  return { os: 'linux', architecture: arch };
}

/** The index entry for this platform (containerd's default matcher, without variant fallbacks). */
export function selectPlatform(manifests: Descriptor[], want = hostPlatform()): Descriptor | undefined {
  const candidates = manifests.filter((m) => (m.platform?.os ?? 'linux') === want.os && m.platform?.architecture === want.architecture);
  return candidates.find((m) => !want.variant || m.platform?.variant === want.variant) ?? candidates[0];
}

/** How a layer's bytes are compressed, from its media type. */
export function layerCompression(mediaType: string): 'gzip' | 'zstd' | 'none' {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') || mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip') return 'gzip';
  if (mediaType.endsWith('.tar') || mediaType.endsWith('tar')) return 'none';
  return 'gzip';
}
