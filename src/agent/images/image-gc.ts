import { statfs } from 'node:fs/promises';
import { BUSYBOX_NAME } from './busybox.ts';
import type { ImageStore } from './image-store.ts';
import type { ImageRecord } from './types.ts';

/** kubelet's defaults: imageGCHighThresholdPercent 85, imageGCLowThresholdPercent 80, imageMinimumGCAge 2m. */
export const IMAGE_GC_DEFAULTS = { highPercent: 85, lowPercent: 80, minAgeMs: 120_000 };

export interface ImageGcOptions {
  store: ImageStore;
  /** Image ids used by containers that exist (running or not): never removed. */
  inUse: () => Promise<Set<string>>;
  highPercent?: number;
  lowPercent?: number;
  minAgeMs?: number;
  /** Disk usage of the store's filesystem; default statfs of the store's data dir. */
  diskUsage?: () => Promise<{ capacity: number; available: number }>;
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface ImageGcResult {
  usagePercent: number;
  removed: string[];
  freedBytes: number;
}

/**
 * kubelet's image garbage collection: when the image filesystem is at least `highPercent` full,
 * removes unused images, oldest first, until usage would be at `lowPercent`. Images used by a
 * container, the built-in busybox, and images younger than `minAgeMs` are kept. Idempotent;
 * never run two at once for one store (the caller's timer is serial).
 */
export async function collectImages(opts: ImageGcOptions): Promise<ImageGcResult> {
  const o = { ...IMAGE_GC_DEFAULTS, ...opts };
  const now = o.now?.() ?? Date.now();
  const disk = o.diskUsage ? await o.diskUsage() : await storeDisk(o.store);
  const usagePercent = disk.capacity > 0 ? 100 - (disk.available * 100) / disk.capacity : 0;
  const result: ImageGcResult = { usagePercent, removed: [], freedBytes: 0 };
  if (usagePercent < o.highPercent) return result;
  const toFree = (disk.capacity * (100 - o.lowPercent)) / 100 - disk.available;
  const inUse = await o.inUse();
  const candidates = (await o.store.list())
    .filter((i) => !inUse.has(i.id) && !isPinned(i) && now - Date.parse(i.importedAt) >= o.minAgeMs)
    .sort((a, b) => Date.parse(a.importedAt) - Date.parse(b.importedAt));
  for (const image of candidates) {
    if (result.freedBytes >= toFree) break;
    const r = await o.store.remove(image.id);
    if (!r?.deleted) continue;
    result.removed.push(image.id);
    result.freedBytes += image.size;
    o.log?.('image gc: removed image', { image: image.id, names: image.names, size: image.size });
  }
  if (result.freedBytes < toFree) {
    o.log?.('image gc: could not free enough space', { wanted: Math.round(toFree), freed: result.freedBytes, usagePercent: Math.round(usagePercent) });
  }
  return result;
}

function isPinned(image: ImageRecord): boolean {
  return image.names.includes(`${BUSYBOX_NAME}:latest`);
}

async function storeDisk(store: ImageStore): Promise<{ capacity: number; available: number }> {
  const fs = await statfs(store.dataDir);
  return { capacity: fs.blocks * fs.bsize, available: fs.bavail * fs.bsize };
}

/** kubelet's ImageGCPeriod. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

/** Runs collectImages every `periodMs` (serially) until the signal aborts; failures are logged. */
export function startImageGc(opts: ImageGcOptions & { periodMs?: number }, signal: AbortSignal): void {
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    try {
      await collectImages(opts);
    } catch (e) {
      opts.log?.('image gc failed', { error: e instanceof Error ? e.message : String(e) });
    }
    if (!signal.aborted) timer = setTimeout(() => void tick(), opts.periodMs ?? IMAGE_GC_PERIOD_MS).unref();
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  timer = setTimeout(() => void tick(), opts.periodMs ?? IMAGE_GC_PERIOD_MS).unref();
}
