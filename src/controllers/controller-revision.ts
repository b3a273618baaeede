// ControllerRevisions for StatefulSet and DaemonSet (upstream pkg/controller/history): each distinct
// pod template is stored once as a ControllerRevision named `<owner>-<hash>` holding the template
// patch; pods carry the hash in `controller-revision-hash`. The revision number only grows.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, resources, type Client, type KubeObject, ignoreNotFound } from '../client/index.ts';
import { computeHash } from './deployment/util.ts';
import { newControllerRef } from './controller-ref.ts';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

export interface RevisionOwner extends KubeObject {
  spec?: { template?: PodTemplateSpec; revisionHistoryLimit?: number };
}

/** The hash identifying a template (stable across processes). */
export function templateHash(template: PodTemplateSpec | undefined): string {
  return computeHash(template ?? {});
}

export interface EnsureRevisionOptions {
  client: Client;
  gvk: { apiVersion: string; kind: string };
  /** The owner's revisions (already filtered by controllerRef). */
  existing: readonly ControllerRevision[];
  signal?: AbortSignal;
}

/**
 * Returns the revision for the owner's current template, creating it (revision = max + 1, with the
 * owner's annotations) when missing; an existing one with an older number is bumped so the newest
 * template is the highest (its annotations stay those of its creation, as upstream).
 */
export async function ensureRevision(owner: RevisionOwner, opts: EnsureRevisionOptions): Promise<ControllerRevision> {
  const hash = templateHash(owner.spec?.template);
  const name = `${owner.metadata?.name}-${hash}`;
  const ns = owner.metadata?.namespace;
  const max = opts.existing.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  const found = opts.existing.find((r) => r.metadata?.name === name);
  if (found) {
    if ((found.revision ?? 0) >= max) return found;
    return opts.client.update<ControllerRevision>(resources.controllerrevisions, ns, { ...found, revision: max + 1 }, { signal: opts.signal });
  }
  const rev: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      // The owner's annotations as they are when the template is first seen (upstream copies them
      // all), so `kubectl rollout history` shows its kubernetes.io/change-cause.
      ...(owner.metadata?.annotations ? { annotations: { ...owner.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(owner, opts.gvk)],
    },
    data: { spec: { template: { ...(owner.spec?.template ?? {}), $patch: 'replace' } } },
    revision: max + 1,
  };
  try {
    return await opts.client.create<ControllerRevision>(resources.controllerrevisions, ns, rev, { signal: opts.signal });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    return opts.client.get<ControllerRevision>(resources.controllerrevisions, ns, name, { signal: opts.signal });
  }
}

/** Deletes the oldest revisions not in `live` beyond revisionHistoryLimit (default 10). */
export async function truncateHistory(
  owner: RevisionOwner,
  revisions: readonly ControllerRevision[],
  opts: { client: Client; live: ReadonlySet<string>; signal?: AbortSignal },
): Promise<void> {
  const limit = owner.spec?.revisionHistoryLimit ?? 10;
  const old = revisions.filter((r) => !opts.live.has(r.metadata?.name ?? '')).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    await opts.client
      .delete(resources.controllerrevisions, r.metadata?.namespace, r.metadata?.name ?? '', undefined, { signal: opts.signal })
      .catch(ignoreNotFound);
  }
}

/** The pod template a revision recorded (its `data.spec.template`, without the patch directive). */
export function revisionTemplate(rev: ControllerRevision | undefined): PodTemplateSpec | undefined {
  const data = rev?.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined;
  const t = data?.spec?.template;
  if (!t) return undefined;
  const { $patch: _ignored, ...rest } = t;
  return rest;
}
