// CronJob scheduling decisions as pure functions of (CronJob, active Jobs, now), so they are tested
// with plain numbers for time (upstream cronjob_controllerv2 syncCronJob / mostRecentScheduleTime).
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import type { CronSchedule } from '../../api/index.ts';
import { rfc3339 } from '../../api/index.ts';

/** Beyond this many missed start times the controller warns (upstream TooManyMissedTimes). */
export const MAX_MISSED_REPORTED = 100;
/** Slack added to the requeue so the controller wakes just after the schedule time, not before. */
export const REQUEUE_SLACK_MS = 100;

export interface MostRecent {
  /** The latest schedule time in (earliest, now], if any. */
  scheduledMs?: number;
  /** How many schedule times fell in (earliest, now]. Counting stops past MAX_MISSED_REPORTED + 1. */
  missed: number;
}

/**
 * Schedule times not yet acted on: after lastScheduleTime (or the CronJob's creation), and, with
 * startingDeadlineSeconds, no earlier than now - deadline (older ones could not start anyway).
 */
export function mostRecentScheduleTime(cj: CronJob, sched: CronSchedule, nowMs: number): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '');
  if (Number.isNaN(earliest)) earliest = nowMs;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null) earliest = Math.max(earliest, nowMs - sds * 1000);
  let scheduledMs: number | undefined;
  let missed = 0;
  for (let t = sched.next(earliest); t !== undefined && t <= nowMs; t = sched.next(t)) {
    scheduledMs = t;
    missed++;
    if (missed > MAX_MISSED_REPORTED) {
      // The count only matters up to the threshold; jump straight to the latest time ≤ now.
      scheduledMs = latestAtOrBefore(sched, t, nowMs);
      break;
    }
  }
  return { scheduledMs, missed };
}

/**
 * The last activation in (from, nowMs], `from` being an activation ≤ nowMs: widen a window back
 * from now until it holds an activation, then walk forward inside it. The window doubles, so a
 * dense schedule is found in a short window and a sparse one in few steps.
 */
function latestAtOrBefore(sched: CronSchedule, from: number, nowMs: number): number {
  for (let w = 60_000; ; w *= 2) {
    const start = Math.max(from, nowMs - w);
    let t = sched.next(start);
    if (t !== undefined && t <= nowMs) {
      let best = t;
      for (t = sched.next(t); t !== undefined && t <= nowMs; t = sched.next(t)) best = t;
      return best;
    }
    if (start === from) return from;
  }
}

/** Job name upstream uses: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

export type Decision =
  | {
      action: 'none';
      requeueAfterMs?: number;
      event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
      /** The Job for this schedule time exists already (created before a lost status write). */
      startedMs?: number;
    }
  | {
      action: 'create';
      scheduledMs: number;
      jobName: string;
      /** concurrencyPolicy Replace: the active Jobs to delete first. */
      replace: readonly string[];
      requeueAfterMs?: number;
      warning?: { reason: string; message: string };
    };

export interface DecideInput {
  cronJob: CronJob;
  sched: CronSchedule;
  nowMs: number;
  /** Names of the CronJob's Jobs that have not finished. */
  active: readonly string[];
  /** Names of all the CronJob's Jobs (a Job of the scheduled name already exists: nothing to do). */
  existing: ReadonlySet<string>;
}

export function requeueDelay(sched: CronSchedule, nowMs: number): number | undefined {
  const n = sched.next(nowMs);
  return n === undefined ? undefined : n - nowMs + REQUEUE_SLACK_MS;
}

/** What syncCronJob does once the active list is up to date. */
export function decide(input: DecideInput): Decision {
  const { cronJob: cj, sched, nowMs } = input;
  if (cj.spec?.suspend) return { action: 'none' };
  const requeueAfterMs = requeueDelay(sched, nowMs);
  const { scheduledMs, missed } = mostRecentScheduleTime(cj, sched, nowMs);
  if (scheduledMs === undefined) return { action: 'none', requeueAfterMs };
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null && scheduledMs + sds * 1000 < nowMs) {
    const at = rfc3339(scheduledMs);
    return { action: 'none', requeueAfterMs, event: { type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${at}` } };
  }
  const jobName = jobNameFor(cj.metadata?.name ?? '', scheduledMs);
  if (input.existing.has(jobName)) return { action: 'none', requeueAfterMs, startedMs: scheduledMs };
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && input.active.length > 0) {
    return {
      action: 'none',
      requeueAfterMs,
      event: { type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' },
    };
  }
  const warning =
    missed > MAX_MISSED_REPORTED
      ? { reason: 'TooManyMissedTimes', message: `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew` }
      : undefined;
  return { action: 'create', scheduledMs, jobName, replace: policy === 'Replace' ? input.active : [], requeueAfterMs, ...(warning ? { warning } : {}) };
}
