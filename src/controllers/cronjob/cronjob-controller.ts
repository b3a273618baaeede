// The CronJob controller (upstream cronjob_controllerv2), one idempotent sync(key):
//   1. bring status.active in line with the CronJob's Jobs (finished ones leave it; a Complete one
//      sets lastSuccessfulTime; unfinished Jobs we own join it);
//   2. delete finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first;
//   3. decide() (schedule.ts): suspend, the most recent unmet schedule time, startingDeadlineSeconds,
//      concurrencyPolicy; create Job `<cronjob>-<minutes since epoch>` (Replace deletes the active
//      Jobs first), record it in status.active and lastScheduleTime;
//   4. requeue at the next schedule time on the injected clock.
// Schedules are UTC (spec.timeZone is limited to UTC by validation).
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { CronParseError, parseCron, rfc3339 } from '../../api/index.ts';
import {
  createWorkQueue,
  enqueueOnChange,
  isAlreadyExists,
  NAMESPACE_INDEX,
  namespaceIndexer,
  resources,
  runController,
  splitKey,
  ignoreNotFound,
} from '../../client/index.ts';
import { controllerOf, newControllerRef } from '../controller-ref.ts';
import { isJobFinished } from '../job/job-controller.ts';
import type { Controller, ControllerDeps } from '../types.ts';
import { decide } from './schedule.ts';
import { writeStatus } from '../status.ts';

export const CJ_GVK = { apiVersion: 'batch/v1', kind: 'CronJob' };
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** upstream getJobFromTemplate2: the template's labels and annotations, the scheduled time, our controllerRef. */
export function newJobFor(cj: CronJob, opts: { name: string; scheduledMs: number }): Job {
  const t = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: opts.name,
      namespace: cj.metadata?.namespace,
      labels: { ...(t?.metadata?.labels ?? {}) },
      annotations: { ...(t?.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(opts.scheduledMs) },
      ownerReferences: [newControllerRef(cj, CJ_GVK)],
    },
    spec: structuredClone(t?.spec ?? { template: {} }),
  };
}

function jobRef(j: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: j.metadata?.namespace,
    name: j.metadata?.name,
    uid: j.metadata?.uid,
    apiVersion: 'batch/v1',
    resourceVersion: j.metadata?.resourceVersion,
  };
}

function finishTime(j: Job): number {
  const c = (j.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return Date.parse(j.status?.completionTime ?? c?.lastTransitionTime ?? j.metadata?.creationTimestamp ?? '') || 0;
}

export function createCronJobController(deps: ControllerDeps): Controller {
  const { client, clock, logger, recorder } = deps;
  const queue = createWorkQueue<string>({ name: 'cronjob', clock });
  const idx = { indexers: { [NAMESPACE_INDEX]: namespaceIndexer } };
  const cronJobs = deps.informers.informerFor<CronJob>(resources.cronjobs, idx);
  const jobs = deps.informers.informerFor<Job>(resources.jobs, idx);
  enqueueOnChange(cronJobs, queue);
  enqueueOnChange(jobs, queue, (j) => {
    const ref = controllerOf(j);
    return ref?.kind === 'CronJob' ? [`${j.metadata?.namespace}/${ref.name}`] : [];
  });

  async function deleteJob(ns: string, name: string, signal: AbortSignal): Promise<void> {
    await client.delete(resources.jobs, ns, name, { propagationPolicy: 'Background' }, { signal }).catch(ignoreNotFound);
  }

  async function sync(key: string, signal: AbortSignal): Promise<void | { requeueAfterMs: number }> {
    const cached = cronJobs.store.get(key);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const cj = structuredClone(cached);
    const ns = splitKey(key).namespace ?? '';
    const owned = jobs.store.byIndex(NAMESPACE_INDEX, ns).filter((j) => controllerOf(j)?.uid === cj.metadata?.uid);
    const status: CronJobStatus = { ...(cj.status ?? {}) };
    const mutable = status as { -readonly [K in keyof CronJobStatus]: CronJobStatus[K] };

    // 1. Active list.
    const names = new Set(owned.map((j) => j.metadata?.name ?? ''));
    let active = (status.active ?? []).filter((r) => names.has(r.name ?? ''));
    for (const j of owned) {
      const finished = isJobFinished(j);
      const listed = active.some((r) => r.uid === j.metadata?.uid);
      if (finished) {
        if (listed) active = active.filter((r) => r.uid !== j.metadata?.uid);
        if (finished === 'Complete') {
          const t = finishTime(j);
          if (!status.lastSuccessfulTime || Date.parse(status.lastSuccessfulTime) < t) mutable.lastSuccessfulTime = rfc3339(t);
        }
      } else if (!listed && !j.metadata?.deletionTimestamp) active = [...active, jobRef(j)];
    }
    mutable.active = active.length ? active : undefined;

    // 2. History limits.
    const finishedJobs = owned.filter((j) => isJobFinished(j) && !j.metadata?.deletionTimestamp).sort((a, b) => finishTime(a) - finishTime(b));
    for (const [kind, limit] of [
      ['Complete', cj.spec?.successfulJobsHistoryLimit],
      ['Failed', cj.spec?.failedJobsHistoryLimit],
    ] as const) {
      if (limit === undefined || limit === null) continue;
      const list = finishedJobs.filter((j) => isJobFinished(j) === kind);
      for (const j of list.slice(0, Math.max(0, list.length - limit))) await deleteJob(ns, j.metadata?.name ?? '', signal);
    }

    // 3. Schedule.
    let requeueAfterMs: number | undefined;
    let sched: ReturnType<typeof parseCron> | undefined;
    try {
      sched = parseCron(cj.spec?.schedule ?? '');
    } catch (e) {
      if (!(e instanceof CronParseError)) throw e;
      recorder.event(cj, {
        type: 'Warning',
        reason: 'UnparseableSchedule',
        message: `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${e.message}`,
        ...CJ_GVK,
      });
    }
    if (sched && !cj.metadata?.deletionTimestamp) {
      const d = decide({ cronJob: cj, sched, nowMs: clock.now(), active: active.map((r) => r.name ?? ''), existing: names });
      requeueAfterMs = d.requeueAfterMs;
      if (d.action === 'none' && d.event) recorder.event(cj, { ...d.event, ...CJ_GVK });
      if (d.action === 'none' && d.startedMs !== undefined) mutable.lastScheduleTime = rfc3339(d.startedMs);
      if (d.action === 'create') {
        if (d.warning) recorder.event(cj, { type: 'Warning', ...d.warning, ...CJ_GVK });
        for (const name of d.replace) {
          await deleteJob(ns, name, signal);
          recorder.event(cj, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${name}`, ...CJ_GVK });
        }
        if (d.replace.length) active = active.filter((r) => !d.replace.includes(r.name ?? ''));
        let job: Job | undefined;
        try {
          job = await client.create<Job>(resources.jobs, ns, newJobFor(cj, { name: d.jobName, scheduledMs: d.scheduledMs }), { signal });
          recorder.event(cj, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${d.jobName}`, ...CJ_GVK });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
        if (job) active = [...active, jobRef(job)];
        mutable.active = active.length ? active : undefined;
        mutable.lastScheduleTime = rfc3339(d.scheduledMs);
      }
    }

    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) await writeStatus(client, resources.cronjobs, cj, status, signal);
    if (requeueAfterMs !== undefined) return { requeueAfterMs };
  }

  return {
    name: 'cronjob',
    run: (signal) => runController({ name: 'cronjob-controller', reconciler: { reconcile: sync }, queue, workers: deps.workers ?? 5, signal, logger }),
  };
}
