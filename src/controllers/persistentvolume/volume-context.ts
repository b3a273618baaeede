// What the claim and volume syncs share: the client, the event recorder and the informer caches.
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Client, EventRecorder, Logger, Store } from '../../client/index.ts';

export interface VolumeContext {
  readonly client: Client;
  readonly recorder: EventRecorder;
  readonly claims: Store<PersistentVolumeClaim>;
  readonly volumes: Store<PersistentVolume>;
  readonly classes: Store<StorageClass>;
  readonly nodes: Store<Node>;
  readonly pods: Store<Pod>;
  readonly logger: Logger;
}

export interface SyncOptions {
  readonly ctx: VolumeContext;
  readonly signal: AbortSignal;
}

export function claimEvent(ctx: VolumeContext, c: PersistentVolumeClaim, e: { type: 'Normal' | 'Warning'; reason: string; message: string }): void {
  ctx.recorder.event(c, { ...e, kind: 'PersistentVolumeClaim', apiVersion: 'v1' });
}

export function volumeEvent(ctx: VolumeContext, v: PersistentVolume, e: { type: 'Normal' | 'Warning'; reason: string; message: string }): void {
  ctx.recorder.event(v, { ...e, kind: 'PersistentVolume', apiVersion: 'v1' });
}
