// Pods of a Job: the template plus controllerRef; Indexed Jobs add the completion index
// (annotation + label, JOB_COMPLETION_INDEX env) and hostname `<job>-<index>`.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newControllerRef } from '../controller-ref.ts';
import { COMPLETION_INDEX } from './indexes.ts';

export const JOB_GVK = { apiVersion: 'batch/v1', kind: 'Job' };

export function newJobPod(job: Job, index: number | undefined): Pod {
  const t = job.spec?.template ?? {};
  const name = job.metadata?.name ?? '';
  const spec = structuredClone(t.spec ?? { containers: [] });
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  const labels: Record<string, string> = { ...(t.metadata?.labels ?? {}) };
  if (index !== undefined) {
    annotations[COMPLETION_INDEX] = String(index);
    labels[COMPLETION_INDEX] = String(index);
    spec.hostname = `${name}-${index}`;
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
      (c as { env?: unknown[] }).env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', value: String(index) }];
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata?.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [newControllerRef(job, JOB_GVK)],
    },
    spec,
  };
}
