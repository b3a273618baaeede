// Pod update rules (pkg/apis/core/validation ValidatePodUpdate, ValidatePodStatusUpdate) and the
// status subresource's strategy (pkg/registry/core/pod/strategy.go podStatusStrategy).
import type { ContainerStatus, Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../../errors.ts';
import { inclusiveRangeError, isDNS1123Subdomain } from '../../validation/names.ts';
import { clone, isRecord, jsonEqual, writable } from '../common.ts';
import type { KObject } from '../types.ts';
import { validateTolerations } from './pod-validation.ts';

const MAX_INT32 = 2147483647;

export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

export const POD_UPDATE_FORBIDDEN = `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}`;

/**
 * Checks a spec update of the main resource (status is kept from the old pod; the store checks
 * metadata updates itself).
 */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const oldSpec: PodSpec = old.spec ?? { containers: [] };

  for (const key of ['containers', 'initContainers'] as const) {
    const cs = spec[key] ?? [];
    if (cs.length !== (oldSpec[key] ?? []).length) {
      errs.push(fieldErrors.forbidden(`spec.${key}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    cs.forEach((c, i) => {
      if (!c.image) errs.push(fieldErrors.required(`spec.${key}[${i}].image`));
      else if (c.image.trim() !== c.image) {
        errs.push(fieldErrors.invalid(`spec.${key}[${i}].image`, c.image, 'must not have leading or trailing whitespace'));
      }
    });
  }

  if (spec.activeDeadlineSeconds !== undefined) {
    const v = spec.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) {
      errs.push(fieldErrors.invalid('spec.activeDeadlineSeconds', v, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldSpec.activeDeadlineSeconds !== undefined && oldSpec.activeDeadlineSeconds < v) {
      errs.push(fieldErrors.invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldSpec.activeDeadlineSeconds !== undefined) {
    errs.push(fieldErrors.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  errs.push(...validateOnlyAddedTolerations(spec.tolerations ?? [], oldSpec.tolerations ?? [], 'spec.tolerations'));
  errs.push(...validateOnlyDeletedSchedulingGates(spec, oldSpec));

  if (jsonEqual(spec, oldSpec)) return errs;

  // Put the old values of the mutable fields in place; any difference left is forbidden.
  const munged = clone(spec);
  munged.containers = (munged.containers ?? []).map((c, i) => ({ ...c, image: oldSpec.containers?.[i]?.image ?? '' }));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => ({ ...c, image: oldSpec.initContainers?.[i]?.image ?? '' }));
  }
  setOrDelete(munged, 'activeDeadlineSeconds', oldSpec.activeDeadlineSeconds);
  setOrDelete(munged, 'schedulingGates', oldSpec.schedulingGates);
  setOrDelete(munged, 'tolerations', oldSpec.tolerations);
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if ((oldSpec.schedulingGates ?? []).length > 0) {
    // While gated, nodeSelector may gain entries (existing ones stay) and affinity may be set.
    const sel = munged.nodeSelector ?? {};
    const oldSel = oldSpec.nodeSelector ?? {};
    if (Object.entries(oldSel).every(([k, v]) => sel[k] === v)) setOrDelete(munged, 'nodeSelector', oldSpec.nodeSelector);
    if (oldSpec.affinity?.nodeAffinity === undefined) {
      setOrDelete(munged, 'affinity', oldSpec.affinity);
    }
  }
  if (!jsonEqual(munged, oldSpec)) {
    errs.push(fieldErrors.forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n${specDiff(oldSpec, munged)}`));
  }
  return errs;
}

function setOrDelete<K extends keyof PodSpec>(spec: PodSpec, key: K, value: PodSpec[K] | undefined): void {
  if (value === undefined) delete spec[key];
  else spec[key] = clone(value);
}

function validateOnlyAddedTolerations(tolerations: Toleration[], old: Toleration[], path: string): FieldError[] {
  for (const o of old) {
    const kept = tolerations.some((t) => jsonEqual({ ...o, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept) return [fieldErrors.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(tolerations, path);
}

function validateOnlyDeletedSchedulingGates(spec: PodSpec, old: PodSpec): FieldError[] {
  const oldNames = new Set((old.schedulingGates ?? []).map((g) => g.name));
  const errs: FieldError[] = [];
  (spec.schedulingGates ?? []).forEach((g, i) => {
    if (!oldNames.has(g.name)) {
      errs.push(fieldErrors.forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g.name}'`));
    }
  });
  return errs;
}

/** A short diff (upstream prints go-cmp's diff of the specs; this lists the changed fields). */
export function specDiff(old: unknown, cur: unknown): string {
  const lines: string[] = [];
  walk(old, cur, '', lines);
  return lines.join('\n');
}

function walk(a: unknown, b: unknown, path: string, lines: string[]): void {
  if (jsonEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k, lines);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`, lines));
    return;
  }
  if (a !== undefined) lines.push(`- ${path}: ${JSON.stringify(a)}`);
  if (b !== undefined) lines.push(`+ ${path}: ${JSON.stringify(b)}`);
}

/**
 * The status subresource ignores spec, deletionTimestamp and ownerReferences (old kubelets corrupt
 * them) and keeps the QoS class set at creation when the writer dropped it. Mutates `obj`.
 */
export function podStatusPrepareForUpdate(obj: KObject, old: KObject): void {
  const pod = writable(obj as unknown as Pod);
  const prev = old as unknown as Pod;
  // The store hands over the live object's own parts (shared, never changed): kept as they are.
  if (prev.spec === undefined) delete pod.spec;
  else if (pod.spec !== prev.spec) pod.spec = clone(prev.spec);
  pod.metadata ??= {};
  const meta = writable(pod.metadata);
  const oldMeta = prev.metadata ?? {};
  if (oldMeta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
  else meta.deletionTimestamp = oldMeta.deletionTimestamp;
  if (oldMeta.ownerReferences === undefined) delete meta.ownerReferences;
  else if (meta.ownerReferences !== oldMeta.ownerReferences) meta.ownerReferences = clone(oldMeta.ownerReferences);
  pod.status ??= {};
  if (!pod.status.qosClass && prev.status?.qosClass) writable(pod.status).qosClass = prev.status.qosClass;
}

/** Status-subresource checks beyond the store's metadata-update checks. */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status = pod.status ?? {};
  (status.conditions ?? []).forEach((c, i) => {
    if (!c.type) errs.push(fieldErrors.required(`metadata.conditions[${i}].type`));
    if (c.status && !['True', 'False', 'Unknown'].includes(c.status)) {
      errs.push(fieldErrors.notSupported(`metadata.conditions[${i}].status`, c.status, ['False', 'True', 'Unknown']));
    }
  });
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) {
    errs.push(fieldErrors.forbidden('status.nodeName', 'may not be changed directly'));
  }
  const nominated = status.nominatedNodeName ?? '';
  if (nominated && nominated !== (old.status?.nominatedNodeName ?? '')) {
    for (const m of isDNS1123Subdomain(nominated)) errs.push(fieldErrors.invalid('status.nominatedNodeName', nominated, m));
  }
  const restartPolicy = old.spec?.restartPolicy ?? 'Always';
  errs.push(
    ...validateContainerStateTransition(status.containerStatuses ?? [], old.status?.containerStatuses ?? [], 'status.containerStatuses', restartPolicy),
  );
  errs.push(
    ...validateContainerStateTransition(
      status.ephemeralContainerStatuses ?? [],
      old.status?.ephemeralContainerStatuses ?? [],
      'status.ephemeralContainerStatuses',
      'Never',
    ),
  );
  return errs;
}

/** Unless the pod restarts containers, a terminated container may not come back. */
function validateContainerStateTransition(cur: ContainerStatus[], old: ContainerStatus[], path: string, restartPolicy: string): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  old.forEach((o, i) => {
    const term = o.state?.terminated;
    if (!term) return;
    if (term.exitCode !== 0 && restartPolicy === 'OnFailure') return;
    for (const n of cur) {
      if (n.name === o.name && !n.state?.terminated) {
        errs.push(fieldErrors.forbidden(`${path}[${i}].state`, 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}
