import type { ContainerImage, Secret } from 'kubernetes-types/core/v1.js';
import { BUSYBOX_NAME } from './busybox.ts';
import type { ImageStore } from './image-store.ts';
import { keyringFromSecrets } from './registry/credentials.ts';
import { canonicalRef, canonicalRepository, familiarRepository, parseImageRef } from './registry/image-ref.ts';
import type { ImagePuller, PullProgress } from './registry/puller.ts';
import type { ImageRecord } from './types.ts';
import { byteOrder } from '../../util/index.ts';

/** What the pod workers see of the node's images (kubelet's image service). */
export interface PodImages {
  /** The present image for `ref` and its imageRef (what status.containerStatuses[].imageID shows). */
  find(ref: string): Promise<{ id: string } | undefined>;
  /** The built-in busybox: local, never pulled, whatever the pull policy. */
  isBuiltin(ref: string): boolean;
  /** Pulls `ref` (throws InvalidImageNameError for a bad name, else an Error with the reason). */
  pull(ref: string, opts: { secrets: readonly Secret[]; signal?: AbortSignal }): Promise<{ id: string; size: number; pullMs: number }>;
}

/**
 * The imageID of a container started from `image` by `ref`: `<registry>/<repo>@<digest>` when the
 * image came from that repository, else the image id (an import or the built-in busybox), as
 * containerd's CRI reports it.
 */
export function imageRefOf(image: ImageRecord, ref: string): string {
  let repo = '';
  try {
    repo = familiarRepository(parseImageRef(ref));
  } catch {
    return image.id;
  }
  const digest = image.repoDigests?.find((d) => d.startsWith(`${repo}@`)) ?? image.repoDigests?.[0];
  if (!digest) return image.id;
  try {
    return canonicalRef(parseImageRef(digest));
  } catch {
    return image.id;
  }
}

/** kubelet's nodeStatusMaxImages. */
export const MAX_NODE_IMAGES = 50;

/**
 * Node status.images: the largest images first, each named by its repo digests and tags in
 * canonical form (`docker.io/library/nginx@sha256:...`, `docker.io/library/nginx:latest`).
 */
export function nodeStatusImages(images: readonly ImageRecord[]): ContainerImage[] {
  const canonical = (n: string): string => {
    try {
      return canonicalRef(parseImageRef(n));
    } catch {
      return n;
    }
  };
  return [...images]
    .sort((a, b) => b.size - a.size || byteOrder(a.id, b.id))
    .slice(0, MAX_NODE_IMAGES)
    .map((i) => ({ names: [...(i.repoDigests ?? []), ...i.names].map(canonical), sizeBytes: i.size }));
}

export function isBuiltinImage(ref: string): boolean {
  try {
    return canonicalRepository(parseImageRef(ref)) === `docker.io/library/${BUSYBOX_NAME}`;
  } catch {
    return false;
  }
}

/** PodImages over the store and the puller; logs pull progress at most every few seconds. */
export function nodeImages(opts: { store: ImageStore; puller: ImagePuller; log?: (msg: string, fields?: Record<string, unknown>) => void }): PodImages {
  const { store, puller, log } = opts;
  return {
    isBuiltin: isBuiltinImage,
    async find(ref) {
      const image = await store.find(ref);
      return image ? { id: imageRefOf(image, ref) } : undefined;
    },
    async pull(ref, { secrets, signal }) {
      const started = Date.now();
      let lastLog = 0;
      const onProgress = (p: PullProgress): void => {
        if (Date.now() - lastLog < 2000) return;
        lastLog = Date.now();
        log?.('image: pull progress', { image: ref, downloaded: p.downloaded, total: p.total, layers: `${p.layersDone}/${p.layers}` });
      };
      try {
        const r = await puller.pull(ref, { keyring: keyringFromSecrets(secrets), signal, onProgress });
        return { id: imageRefOf(r.image, ref), size: r.size, pullMs: r.pullMs ?? Date.now() - started };
      } catch (e) {
        if (e instanceof Error && e.name === 'InvalidImageNameError') throw e;
        const display = (() => {
          try {
            return canonicalRef(parseImageRef(ref));
          } catch {
            return ref;
          }
        })();
        throw new Error(`failed to pull and unpack image "${display}": ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}
