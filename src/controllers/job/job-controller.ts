// The Job controller (upstream pkg/controller/job), one idempotent sync(key):
//   finished (Complete/Failed) → only ttlSecondsAfterFinished: delete the Job when due;
//   suspended → delete active pods, condition Suspended;
//   otherwise count pods: Succeeded, Failed (podFailurePolicy: FailJob fails the Job, Ignore does
//   not count), then fail on backoffLimit (BackoffLimitExceeded) or activeDeadlineSeconds
//   (DeadlineExceeded), complete when enough succeeded, else create pods up to parallelism.
// Simplifications (documented): succeeded/failed are counted from the pods that exist (no
// job-tracking finalizer, so a user deleting finished pods loses counts); the failure backoff is
// 10s·2^(n-1) (max 6 min) from when this process saw the n-th failure.
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  createExpectations,
  createWorkQueue,
  enqueueOnChange,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
  ignoreNotFound,
} from '../../client/index.ts';
import { claimChildren, controllerOf } from '../controller-ref.ts';
import { selectorMatcher, rfc3339 } from '../../api/index.ts';
import { isPodReady } from '../pod-util.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { matchFailurePolicy } from './failure-policy.ts';
import { formatIndexes, indexOf } from './indexes.ts';
import { JOB_GVK, newJobPod } from './job-pods.ts';

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

export function isJobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

function setCondition(conds: JobCondition[], type: string, status: string, reason: string, message: string, now: string): JobCondition[] {
  const old = conds.find((c) => c.type === type);
  if (old && old.status === status && old.reason === reason) return conds;
  const c: JobCondition = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: old?.status === status ? old.lastTransitionTime : now };
  return [...conds.filter((x) => x.type !== type), c];
}

export function createJobController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'job', clock });
  const expectations = createExpectations({ clock });
  const idx = { indexers: { [NAMESPACE_INDEX]: namespaceIndexer } };
  const jobs = deps.informers.informerFor<Job>(resources.jobs, idx);
  const pods = deps.informers.informerFor<Pod>(resources.pods, idx);
  /** Per Job: failures seen and when the count last grew (for the creation backoff). */
  const failures = new Map<string, { count: number; at: number }>();

  enqueueOnChange(jobs, queue);
  const jobKey = (p: Pod): string | undefined => {
    const ref = controllerOf(p);
    return ref?.kind === 'Job' ? `${p.metadata?.namespace}/${ref.name}` : undefined;
  };
  pods.on('add', (p) => {
    const k = jobKey(p);
    if (!k) return;
    expectations.creationObserved(k);
    queue.add(k);
  });
  pods.on('update', (_o, p) => {
    const k = jobKey(p);
    if (k) queue.add(k);
  });
  pods.on('delete', (p) => {
    const k = jobKey(p);
    if (k) queue.add(k);
  });

  async function deletePods(list: readonly Pod[], signal: AbortSignal): Promise<void> {
    await Promise.all(
      list.map(async (p) => {
        await client.delete(resources.pods, p.metadata?.namespace, p.metadata?.name ?? '', undefined, { signal }).catch(ignoreNotFound);
      }),
    );
  }

  async function sync(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const cached = jobs.store.get(key);
    if (!cached) {
      failures.delete(key);
      expectations.delete(key);
      return;
    }
    const job = structuredClone(cached);
    const now = clock.now();
    const nowText = rfc3339(now);
    const finished = isJobFinished(job);
    if (finished) return handleTtl(job, key, now, signal);
    if (job.metadata?.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const matches = selectorMatcher(job.spec?.selector);
    const owned = await claimChildren<Pod>(pods.store.byIndex(NAMESPACE_INDEX, namespace ?? ''), {
      client,
      ref: resources.pods,
      owner: job,
      ownerGvk: JOB_GVK,
      matches: (p) => matches(p.metadata?.labels),
      canAdopt: true,
    });
    const spec = job.spec ?? { template: {} };
    const indexed = spec.completionMode === 'Indexed';
    const active = owned.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const succeededPods = owned.filter((p) => p.status?.phase === 'Succeeded');
    const failedPods = owned.filter((p) => p.status?.phase === 'Failed');
    const completed = new Set<number>();
    for (const p of succeededPods) {
      const i = indexOf(p);
      if (i !== undefined && i < (spec.completions ?? 0)) completed.add(i);
    }
    let conds = [...(job.status?.conditions ?? [])];
    let failure: { reason: string; message: string } | undefined;
    let failedCount = 0;
    for (const p of failedPods) {
      const outcome = matchFailurePolicy(spec.podFailurePolicy, p);
      if (outcome?.action === 'Ignore') continue;
      failedCount++;
      if (outcome?.action === 'FailJob') failure ??= { reason: 'PodFailurePolicy', message: outcome.message };
    }
    const status: JobStatus = {
      ...job.status,
      active: active.length,
      ready: active.filter(isPodReady).length,
      succeeded: indexed ? completed.size : succeededPods.length,
      failed: failedCount,
      ...(indexed ? { completedIndexes: formatIndexes(completed) } : {}),
    };
    let requeue: number | undefined;

    if (spec.suspend) {
      await deletePods(active, signal);
      conds = setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowText);
      status.active = 0;
      status.ready = 0;
      delete (status as { startTime?: string }).startTime;
    } else {
      if (conds.some((c) => c.type === 'Suspended' && c.status === 'True'))
        conds = setCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowText);
      const start = status.startTime ? Date.parse(status.startTime) : now;
      if (!status.startTime) (status as { startTime?: string }).startTime = nowText;
      if (!failure && failedCount > (spec.backoffLimit ?? 6))
        failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      const deadline = spec.activeDeadlineSeconds;
      if (!failure && deadline !== undefined) {
        const left = start + deadline * 1000 - now;
        if (left <= 0) failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
        else requeue = left;
      }
      const completions = spec.completions;
      const complete =
        !failure &&
        (completions === undefined || completions === null
          ? succeededPods.length > 0 && active.length === 0
          : (indexed ? completed.size : succeededPods.length) >= completions);
      if (failure) {
        await deletePods(active, signal);
        conds = setCondition(conds, 'FailureTarget', 'True', failure.reason, failure.message, nowText);
        conds = setCondition(conds, 'Failed', 'True', failure.reason, failure.message, nowText);
        status.active = 0;
        status.ready = 0;
      } else if (complete) {
        conds = setCondition(conds, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', nowText);
        conds = setCondition(conds, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', nowText);
        (status as { completionTime?: string }).completionTime = nowText;
        if (active.length) await deletePods(active, signal);
      } else if (expectations.satisfied(key)) {
        const wait = backoffLeft(key, failedCount, now);
        if (wait > 0) requeue = Math.min(requeue ?? wait, wait);
        else await createPods(job, { active, completed, succeeded: succeededPods.length, key, signal });
      }
    }
    status.conditions = conds;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) {
      await client.update(resources.jobs, job.metadata?.namespace, { ...job, status }, { subresource: 'status', signal }).catch(ignoreNotFound);
    }
    if (isJobFinished({ status }) && job.spec?.ttlSecondsAfterFinished !== undefined) return { requeueAfterMs: job.spec.ttlSecondsAfterFinished * 1000 };
    if (requeue !== undefined) return { requeueAfterMs: requeue };
  }

  function backoffLeft(key: string, failed: number, now: number): number {
    const seen = failures.get(key);
    if (!seen || failed > seen.count) {
      if (failed > 0) failures.set(key, { count: failed, at: now });
      if (failed === 0) return 0;
    }
    const rec = failures.get(key)!;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (rec.count - 1));
    return rec.at + delay - now;
  }

  async function createPods(job: Job, st: { active: Pod[]; completed: Set<number>; succeeded: number; key: string; signal: AbortSignal }): Promise<void> {
    const spec = job.spec!;
    const parallelism = spec.parallelism ?? 1;
    const completions = spec.completions;
    let toCreate: (number | undefined)[];
    if (spec.completionMode === 'Indexed') {
      const running = new Set(st.active.map(indexOf));
      const missing: number[] = [];
      for (let i = 0; i < (completions ?? 0); i++) if (!st.completed.has(i) && !running.has(i)) missing.push(i);
      toCreate = missing.slice(0, Math.max(0, parallelism - st.active.length));
    } else {
      const want = completions === undefined || completions === null ? (st.succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - st.succeeded);
      toCreate = Array.from({ length: Math.max(0, want - st.active.length) }, () => undefined);
    }
    if (!toCreate.length) return;
    expectations.expectCreations(st.key, toCreate.length);
    await Promise.all(
      toCreate.map(async (i) => {
        try {
          await client.create(resources.pods, job.metadata?.namespace, newJobPod(job, i), { signal: st.signal });
        } catch (e) {
          expectations.creationObserved(st.key);
          throw e;
        }
      }),
    );
  }

  async function handleTtl(job: Job, key: string, now: number, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return;
    const finishedAt = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.lastTransitionTime;
    const due = (finishedAt ? Date.parse(finishedAt) : now) + ttl * 1000;
    if (due > now) return { requeueAfterMs: due - now };
    await client
      .delete(
        resources.jobs,
        job.metadata?.namespace,
        job.metadata?.name ?? '',
        { propagationPolicy: 'Background', preconditions: { uid: job.metadata?.uid } },
        { signal },
      )
      .catch(ignoreNotFound);
    logger.info(`job ${key}: deleted ${ttl}s after it finished (ttlSecondsAfterFinished)`);
  }

  return {
    name: 'job',
    run: (signal) => runController({ name: 'job-controller', reconciler: { reconcile: sync }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
