// batch/v1 CronJob: defaults (SetDefaults_CronJob), validation (schedule parses, policies) and the
// upstream printer. The controller is src/controllers/cronjob.
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { CronParseError, parseCron } from '../../api/index.ts';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { formatLabelSelector } from './apps-common.ts';
import { batchEntryBase, defaultJobSpec, validateJobSpec } from './batch-common.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const cj = (obj: KObject): CronJob => view<CronJob>(obj);

function validateCronJob(c: CronJob): FieldError[] {
  const spec = c.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs: FieldError[] = [];
  if (!spec.schedule) errs.push(fieldErrors.required('spec.schedule'));
  else {
    try {
      parseCron(spec.schedule);
    } catch (e) {
      if (!(e instanceof CronParseError)) throw e;
      errs.push(fieldErrors.invalid('spec.schedule', spec.schedule, e.message));
    }
  }
  const tz = spec.timeZone;
  if (tz !== undefined && tz !== 'UTC' && tz !== 'Etc/UTC') errs.push(fieldErrors.invalid('spec.timeZone', tz, 'unknown time zone ' + tz));
  const cp = spec.concurrencyPolicy;
  if (cp !== undefined && !['Allow', 'Forbid', 'Replace'].includes(cp))
    errs.push(fieldErrors.notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) {
    const v = spec[f];
    if (v !== undefined && v < 0) errs.push(fieldErrors.invalid(`spec.${f}`, v, 'must be greater than or equal to 0'));
  }
  errs.push(...validateJobSpec(spec.jobTemplate?.spec, 'spec.jobTemplate.spec'));
  return errs;
}

function ago(ts: string | undefined, ctx: { now(): Date }): string {
  return ts ? since(ts, ctx) : '<none>';
}

export const cronjobs: ResourceEntry = {
  ...batchEntryBase,
  kind: 'CronJob',
  listKind: 'CronJobList',
  resource: 'cronjobs',
  singular: 'cronjob',
  shortNames: ['cj'],
  schema: 'io.k8s.api.batch.v1.CronJob',
  columns: [
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions.', { type: 'boolean' }),
    column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn,
    column('Containers', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    column('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  row(obj, ctx) {
    const c = cj(obj);
    const js = c.spec?.jobTemplate?.spec;
    const cs = js?.template?.spec?.containers ?? [];
    return [
      c.spec?.schedule ?? '',
      c.spec?.timeZone ?? '<none>',
      c.spec?.suspend ?? false,
      (c.status?.active ?? []).length,
      ago(c.status?.lastScheduleTime, ctx),
      since(obj.metadata?.creationTimestamp, ctx),
      cs.map((x) => x.name).join(','),
      cs.map((x) => x.image ?? '').join(','),
      formatLabelSelector(js?.selector),
    ];
  },
  defaults(obj) {
    const c = cj(obj);
    if (!c.spec) return;
    const s = c.spec as { -readonly [K in keyof NonNullable<CronJob['spec']>]: NonNullable<CronJob['spec']>[K] };
    s.concurrencyPolicy ??= 'Allow';
    s.suspend ??= false;
    s.successfulJobsHistoryLimit ??= 3;
    s.failedJobsHistoryLimit ??= 1;
    defaultJobSpec(s.jobTemplate?.spec);
  },
  validate: (obj) => validateCronJob(cj(obj)),
};
