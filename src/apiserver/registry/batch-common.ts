// What batch/v1 entries (Job, CronJob) share: the Job template's defaults and pod-spec rules
// (restartPolicy OnFailure or Never), the Job status printer and the base entry shape.
import type { JobSpec } from 'kubernetes-types/batch/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { defaultTemplate, keepStatus, nonNegative, resetStatus } from './apps-common.ts';
import { isRecord } from './common.ts';
import { validatePodSpec } from './pods/pod-validation.ts';
import type { ResourceEntry } from './types.ts';

/** SetDefaults_Job on a spec (also a CronJob's jobTemplate.spec). */
export function defaultJobSpec(spec: JobSpec | undefined): void {
  if (!spec) return;
  const s = spec as { -readonly [K in keyof JobSpec]: JobSpec[K] };
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= s.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  s.manualSelector ??= undefined;
  if (s.manualSelector === undefined) delete s.manualSelector;
  s.podReplacementPolicy ??= s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultTemplate(s.template);
}

/** ValidateJobSpec (common errors) for a spec at `path`. */
export function validateJobSpec(spec: unknown, path: string): FieldError[] {
  const s = (isRecord(spec) ? spec : {}) as unknown as JobSpec;
  const errs: FieldError[] = [];
  errs.push(...nonNegative(`${path}.parallelism`, s.parallelism));
  errs.push(...nonNegative(`${path}.completions`, s.completions));
  errs.push(...nonNegative(`${path}.backoffLimit`, s.backoffLimit));
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds <= 0) {
    errs.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, 'must be greater than 0'));
  }
  errs.push(...nonNegative(`${path}.ttlSecondsAfterFinished`, s.ttlSecondsAfterFinished));
  const mode = s.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed')
    errs.push(fieldErrors.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed' && s.completions === undefined) {
    errs.push(fieldErrors.required(`${path}.completions`, `when completion mode is Indexed`));
  }
  if (!s.template) {
    errs.push(fieldErrors.required(`${path}.template`));
    return errs;
  }
  errs.push(...validatePodSpec(s.template.spec, `${path}.template.spec`));
  const rp = s.template.spec?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') {
    errs.push(
      rp === undefined || rp === 'Always'
        ? fieldErrors.notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never'])
        : fieldErrors.notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']),
    );
  }
  for (const [i, rule] of (s.podFailurePolicy?.rules ?? []).entries()) {
    const action = rule.action;
    if (!['FailJob', 'FailIndex', 'Ignore', 'Count'].includes(action))
      errs.push(fieldErrors.notSupported(`${path}.podFailurePolicy.rules[${i}].action`, action, ['Count', 'FailIndex', 'FailJob', 'Ignore']));
    if (!rule.onExitCodes === !rule.onPodConditions?.length) {
      errs.push(
        fieldErrors.invalid(
          `${path}.podFailurePolicy.rules[${i}]`,
          'specifying one of OnExitCodes and OnPodConditions is required',
          'specifying one of OnExitCodes and OnPodConditions is required',
        ),
      );
    }
  }
  return errs;
}

export const batchEntryBase = {
  group: 'batch',
  version: 'v1',
  namespaced: true,
  categories: ['all'],
  prepareForCreate: resetStatus,
  prepareForUpdate: keepStatus,
  hasStatus: true,
  hasGeneration: true,
} satisfies Partial<ResourceEntry>;
