// batch/v1 Job: defaults (SetDefaults_Job), the generated selector (upstream generateSelector, run
// from validation because only then is the uid set), validation and the upstream printer
// (STATUS, COMPLETIONS, DURATION). The controller is src/controllers/job.
import type { Job } from 'kubernetes-types/batch/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { humanDuration, since } from './age.ts';
import { templateCells, templateColumns } from './apps-common.ts';
import { batchEntryBase, defaultJobSpec, validateJobSpec } from './batch-common.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const job = (obj: KObject): Job => view<Job>(obj);

/** Labels the Job controller matches its pods by (batch.kubernetes.io/ and the legacy names). */
function generateSelector(j: Job): void {
  const spec = j.spec as (Job['spec'] & { selector?: unknown }) | undefined;
  const uid = j.metadata?.uid;
  if (!spec || !uid || spec.manualSelector) return;
  const template = (spec.template ??= {}) as { metadata?: { labels?: Record<string, string> } };
  const labels = ((template.metadata ??= {}).labels ??= {});
  labels['batch.kubernetes.io/controller-uid'] ??= uid;
  labels['controller-uid'] ??= uid;
  labels['batch.kubernetes.io/job-name'] ??= j.metadata?.name ?? '';
  labels['job-name'] ??= j.metadata?.name ?? '';
  spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

function jobStatus(j: Job): string {
  const conds = j.status?.conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (j.metadata?.deletionTimestamp) return 'Terminating';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}

function duration(j: Job, nowMs: number): string {
  const start = j.status?.startTime ? Date.parse(j.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : nowMs;
  return humanDuration(end - start);
}

export const jobs: ResourceEntry = {
  ...batchEntryBase,
  kind: 'Job',
  listKind: 'JobList',
  resource: 'jobs',
  singular: 'job',
  schema: 'io.k8s.api.batch.v1.Job',
  columns: [
    column('Status', 'Status of the job.'),
    column('Completions', 'The completion status of the job.'),
    column('Duration', 'Time required to complete the job.'),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, ctx) {
    const j = job(obj);
    const completions = j.spec?.completions;
    const done = `${j.status?.succeeded ?? 0}/${completions ?? (j.spec?.parallelism && j.spec.parallelism > 1 ? `1 of ${j.spec.parallelism}` : 1)}`;
    return [jobStatus(j), done, duration(j, ctx.now().getTime()), since(obj.metadata?.creationTimestamp, ctx), ...templateCells(j.spec)];
  },
  defaults: (obj) => defaultJobSpec(job(obj).spec),
  validate(obj) {
    const j = job(obj);
    generateSelector(j);
    if (!j.spec) return [fieldErrors.required('spec')];
    const errs = validateJobSpec(j.spec, 'spec');
    if (j.spec.manualSelector && !j.spec.selector) errs.push(fieldErrors.required('spec.selector'));
    return errs;
  },
  validateUpdate(obj, old): FieldError[] {
    const errs: FieldError[] = [];
    const a = job(obj).spec;
    const b = job(old).spec;
    if (JSON.stringify(a?.selector) !== JSON.stringify(b?.selector)) errs.push(fieldErrors.invalid('spec.selector', a?.selector, 'field is immutable'));
    if (a?.completions !== b?.completions && !(a?.completionMode === 'Indexed' && a?.completions === a?.parallelism)) {
      errs.push(fieldErrors.invalid('spec.completions', a?.completions, 'field is immutable'));
    }
    if (a?.completionMode !== b?.completionMode) errs.push(fieldErrors.invalid('spec.completionMode', a?.completionMode, 'field is immutable'));
    return errs;
  },
};
