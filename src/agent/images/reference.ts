import { familiarRef, parseImageRef } from './registry/image-ref.ts';

/**
 * Normalises an image reference the way docker does for the default registry, so that
 * `busybox`, `busybox:latest`, `docker.io/library/busybox:latest` and
 * `index.docker.io/library/busybox` all name `busybox:latest`. Digest references keep their digest.
 */
export function normalizeReference(ref: string): string {
  try {
    return familiarRef(parseImageRef(ref.trim()));
  } catch {
    return looseNormalize(ref);
  }
}

/** For names Docker would refuse (kept so that old store entries still resolve). */
function looseNormalize(ref: string): string {
  let r = ref.trim();
  for (const prefix of ['docker.io/library/', 'index.docker.io/library/', 'registry-1.docker.io/library/']) {
    if (r.startsWith(prefix)) r = r.slice(prefix.length);
  }
  for (const prefix of ['docker.io/', 'index.docker.io/']) {
    if (r.startsWith(prefix)) r = r.slice(prefix.length);
  }
  if (r.includes('@')) return r;
  const lastSlash = r.lastIndexOf('/');
  const hasTag = r.slice(lastSlash + 1).includes(':');
  return hasTag ? r : `${r}:latest`;
}

/** The repository part of a normalised reference (`busybox` for `busybox:1.36`). */
export function repositoryOf(ref: string): string {
  const n = normalizeReference(ref);
  const at = n.indexOf('@');
  if (at >= 0) return n.slice(0, at);
  const lastSlash = n.lastIndexOf('/');
  const colon = n.indexOf(':', lastSlash + 1);
  return colon >= 0 ? n.slice(0, colon) : n;
}
