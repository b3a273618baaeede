// manageReplicas: create missing pods in slow-start batches (1, 2, 4, ... so a template that cannot
// be created fails once, not N times) and delete surplus pods by the ActivePods ranking. Records
// expectations before each write so the next sync waits for the informer to see the outcome.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Client, Expectations } from '../../client/index.ts';
import { ClientError, isNotFound, keyOf, resources } from '../../client/index.ts';
import { newControllerRef } from '../controller-ref.ts';
import { compareForDeletion } from '../pod-util.ts';
import type { ReplicatedKind, ReplicatedObject } from './kind.ts';

/** Upstream's burstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export interface ManageOptions {
  client: Client;
  kind: ReplicatedKind;
  expectations: Expectations;
  key: string;
  signal: AbortSignal;
}

export function podFromTemplate(rs: ReplicatedObject, kind: ReplicatedKind): Pod {
  const t = rs.spec?.template ?? {};
  const name = rs.metadata?.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: rs.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ...(t.metadata?.finalizers ? { finalizers: [...t.metadata.finalizers] } : {}),
      ownerReferences: [newControllerRef(rs, kind.gvk)],
    },
    spec: structuredClone(t.spec ?? { containers: [] }),
  };
}

/**
 * Calls `fn` for `count` items in batches that double after each fully successful batch; stops at
 * the first batch with a failure. Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, fn: () => Promise<void>): Promise<{ ok: number; failed: number; error?: Error }> {
  let remaining = count;
  let ok = 0;
  let failedCount = 0;
  for (let batch = Math.min(remaining, SLOW_START_INITIAL_BATCH); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    ok += results.filter((r) => r.status === 'fulfilled').length;
    failedCount += results.filter((r) => r.status === 'rejected').length;
    if (failed) return { ok, failed: failedCount, error: failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason)) };
    remaining -= batch;
  }
  return { ok, failed: failedCount };
}

/** Returns the error that should surface as a ReplicaFailure condition (and requeue), if any. */
export async function manageReplicas(rs: ReplicatedObject, pods: readonly Pod[], opts: ManageOptions): Promise<Error | undefined> {
  const { client, key, expectations } = opts;
  const want = rs.spec?.replicas ?? 1;
  const diff = pods.length - want;
  const ns = rs.metadata?.namespace;
  if (diff < 0) {
    const n = Math.min(-diff, BURST_REPLICAS);
    expectations.expectCreations(key, n);
    const template = podFromTemplate(rs, opts.kind);
    const { ok, failed, error } = await slowStartBatch(n, async () => {
      try {
        await client.create(resources.pods, ns, structuredClone(template), { signal: opts.signal });
      } catch (e) {
        // The informer will never see this pod.
        expectations.creationObserved(key);
        throw e;
      }
    });
    // Batches not attempted after a failure will not be observed either.
    const skipped = n - ok - failed;
    for (let i = 0; i < skipped; i++) expectations.creationObserved(key);
    // A terminating namespace refuses new pods; that is not a failure of this ReplicaSet (upstream).
    return error && namespaceTerminating(error) ? undefined : error;
  }
  if (diff > 0) {
    const n = Math.min(diff, BURST_REPLICAS);
    const victims = podsToDelete(pods, n);
    expectations.expectDeletionsOf(
      key,
      victims.map((p) => keyOf(p)),
    );
    let firstError: Error | undefined;
    await Promise.all(
      victims.map(async (p) => {
        try {
          await client.delete(resources.pods, ns, p.metadata?.name ?? '', undefined, { signal: opts.signal });
        } catch (e) {
          expectations.deletionObservedOf(key, keyOf(p));
          if (!isNotFound(e)) firstError ??= e instanceof Error ? e : new Error(String(e));
        }
      }),
    );
    return firstError;
  }
  return undefined;
}

/** The `n` pods to delete first; pods sharing a node with more siblings rank higher. */
export function podsToDelete(pods: readonly Pod[], n: number): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod): number => (p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank)).slice(0, n);
}

function namespaceTerminating(e: Error): boolean {
  return e instanceof ClientError && (e.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}
