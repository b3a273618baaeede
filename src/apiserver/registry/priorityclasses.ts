// scheduling.k8s.io/v1 PriorityClass: maps a name to a pod priority. Validation as upstream
// pkg/apis/scheduling/validation; the single-global-default rule and pod priority resolution live in
// the Priority admission plugin (apiserver/priority-admission.ts), as upstream splits them.
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { since } from './age.ts';
import { ageColumn, column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const pc = (obj: KObject): PriorityClass => view<PriorityClass>(obj);

/** Names starting with this are reserved for the built-in classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** Highest value a user-defined class may have (upstream HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** The classes the server creates at start (upstream SystemPriorityClasses()). */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: 2_000_000_000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

/** Why `name` may not carry the reserved prefix with these values; undefined when it may. */
function systemClassError(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.metadata?.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((known.globalDefault ?? false) !== globalDefault) return `globalDefault of ${name} PriorityClass must be ${known.globalDefault ?? false}`;
  return undefined;
}

function validatePriorityClass(p: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = p.metadata?.name ?? '';
  if (typeof p.value !== 'number') errs.push(fieldErrors.required('value'));
  else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = systemClassError(name, p.value, p.globalDefault ?? false);
    if (why) {
      errs.push(
        fieldErrors.forbidden(
          'metadata.name',
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`,
        ),
      );
    }
  } else if (p.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (p.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(p.preemptionPolicy)) {
    errs.push(fieldErrors.notSupported('preemptionPolicy', p.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

function validatePriorityClassUpdate(p: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (p.value !== old.value) errs.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
  if (p.preemptionPolicy !== old.preemptionPolicy) {
    errs.push(fieldErrors.invalid('preemptionPolicy', p.preemptionPolicy, 'field is immutable'));
  }
  return errs;
}

export const priorityclasses: ResourceEntry = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  listKind: 'PriorityClassList',
  resource: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  schema: 'io.k8s.api.scheduling.v1.PriorityClass',
  columns: [
    column(
      'Value',
      'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
      { type: 'integer' },
    ),
    column(
      'Global-Default',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
      { type: 'boolean' },
    ),
    ageColumn,
    column(
      'PreemptionPolicy',
      'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
    ),
  ],
  row: (obj, ctx) => {
    const p = pc(obj);
    return [p.value ?? 0, p.globalDefault ?? false, since(obj.metadata?.creationTimestamp, ctx), p.preemptionPolicy ?? ''];
  },
  defaults(obj) {
    const p = obj as { preemptionPolicy?: string; globalDefault?: boolean };
    p.preemptionPolicy ||= 'PreemptLowerPriority';
  },
  validate: (obj) => validatePriorityClass(pc(obj)),
  validateUpdate: (obj, old) => validatePriorityClassUpdate(pc(obj), pc(old)),
};
