import type { ScorePlugin } from '../../framework/interfaces.ts';
import { MAX_NODE_SCORE } from '../../framework/interfaces.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
/** Below this total the score is 0, so tiny images do not pull pods together. */
export const MIN_THRESHOLD = 23 * MB;
/** Per container; the score saturates at this total. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/**
 * The name kubelets report: docker.io/library/ for bare names, :latest when no tag or digest.
 */
export function normalizedImageName(name: string): string {
  let n = name;
  const slash = n.indexOf('/');
  const first = slash < 0 ? '' : n.slice(0, slash);
  if (slash < 0) n = `docker.io/library/${n}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') n = `docker.io/${n}`;
  if (!n.includes('@') && n.lastIndexOf(':') <= n.lastIndexOf('/')) n += ':latest';
  return n;
}

function imageSize(node: NodeInfo, image: string): { size: number; name: string } | undefined {
  const norm = normalizedImageName(image);
  const size = node.images.get(norm) ?? node.images.get(image);
  if (size === undefined) return undefined;
  return { size, name: node.images.has(norm) ? norm : image };
}

/**
 * Favors nodes that already have the pod's images, weighted by image size and by how widely the
 * image is spread across nodes (so one node holding an image does not attract every pod).
 */
export function imageLocalityScore(pod: PodInfo, node: NodeInfo, imageNodeCount: (image: string) => number, totalNodes: number): number {
  const containers = [...(pod.pod.spec?.initContainers ?? []), ...(pod.pod.spec?.containers ?? [])];
  if (containers.length === 0 || totalNodes === 0) return 0;
  let sum = 0;
  for (const c of containers) {
    if (!c.image) continue;
    const hit = imageSize(node, c.image);
    if (hit) sum += Math.trunc((hit.size * imageNodeCount(hit.name)) / totalNodes);
  }
  const max = MAX_CONTAINER_THRESHOLD * containers.length;
  const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export function createImageLocality(lister: { list(): readonly unknown[]; imageNodeCount(image: string): number }) {
  return {
    name: NAME,
    score(_state, pod, node) {
      if (node.images.size === 0) return 0;
      return imageLocalityScore(pod, node, (i) => lister.imageNodeCount(i), lister.list().length);
    },
  } satisfies ScorePlugin;
}
