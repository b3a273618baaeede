// ObjectMeta validation (apimachinery api/validation objectmeta.go) for create and update.
import { type FieldError, fieldErrors } from '../errors.ts';
import { isQualifiedName, validateAnnotations, validateLabels } from './labels.ts';
import { isDNS1123Label, type NameValidator, nameIsDNSSubdomain } from './names.ts';

export const FIELD_IMMUTABLE = 'field is immutable';

/** The metadata fields checked here; both our ObjectMeta and kubernetes-types' fit it. */
export interface MetaView {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: unknown;
  annotations?: unknown;
  finalizers?: readonly string[];
  ownerReferences?: unknown;
}

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** Defaults to DNS-1123 subdomain, the rule of most resources. */
  nameValidator?: NameValidator;
}

export function validateObjectMeta(meta: MetaView | undefined, options: ObjectMetaOptions): FieldError[] {
  const m: MetaView = meta ?? {};
  const nameFn = options.nameValidator ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (m.generateName) {
    errs.push(...nameFn(m.generateName, true).map((msg) => fieldErrors.invalid('metadata.generateName', m.generateName, msg)));
  }
  if (!m.name) {
    // Upstream generates the name before validating; accept a generateName-only object either way.
    if (!m.generateName) errs.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  } else {
    errs.push(...nameFn(m.name, false).map((msg) => fieldErrors.invalid('metadata.name', m.name, msg)));
  }
  if (options.namespaced) {
    if (!m.namespace) errs.push(fieldErrors.required('metadata.namespace'));
    else errs.push(...isDNS1123Label(m.namespace).map((msg) => fieldErrors.invalid('metadata.namespace', m.namespace, msg)));
  } else if (m.namespace) {
    errs.push(fieldErrors.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) {
    errs.push(fieldErrors.invalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  errs.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  return errs;
}

/**
 * Update rules. uid and creationTimestamp count as changed only when the new object sets them
 * (upstream's BeforeUpdate copies them from the old object when absent).
 */
export function validateObjectMetaUpdate(meta: MetaView | undefined, old: MetaView | undefined): FieldError[] {
  const m: MetaView = meta ?? {};
  const o: MetaView = old ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const before = new Set(o.finalizers ?? []);
    const extra = (m.finalizers ?? []).filter((f) => !before.has(f));
    if (extra.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  if ((m.generation ?? 0) < (o.generation ?? 0)) {
    errs.push(fieldErrors.invalid('metadata.generation', m.generation ?? 0, 'must not be decremented'));
  }
  if ((m.name ?? '') !== (o.name ?? '')) errs.push(fieldErrors.invalid('metadata.name', m.name ?? '', FIELD_IMMUTABLE));
  if ((m.namespace ?? '') !== (o.namespace ?? '')) {
    errs.push(fieldErrors.invalid('metadata.namespace', m.namespace ?? '', FIELD_IMMUTABLE));
  }
  if (m.uid && m.uid !== o.uid) errs.push(fieldErrors.invalid('metadata.uid', m.uid, FIELD_IMMUTABLE));
  if (m.creationTimestamp && o.creationTimestamp && Date.parse(m.creationTimestamp) !== Date.parse(o.creationTimestamp)) {
    errs.push(fieldErrors.invalid('metadata.creationTimestamp', m.creationTimestamp, FIELD_IMMUTABLE));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  errs.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  return errs;
}

/** Finalizers are qualified names; unprefixed ones other than the well-known are allowed too. */
export function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [fieldErrors.invalid(field, finalizers, 'must be a list of strings')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const f of finalizers) {
    if (typeof f !== 'string') {
      errs.push(fieldErrors.invalid(field, f, 'must be a string'));
      continue;
    }
    errs.push(...isQualifiedName(f).map((msg) => fieldErrors.invalid(field, f, msg)));
    if (seen.has(f)) errs.push(fieldErrors.duplicate(field, f));
    seen.add(f);
  }
  return errs;
}

export function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [fieldErrors.invalid(field, refs, 'must be a list')];
  const errs: FieldError[] = [];
  let controllers = 0;
  for (const ref of refs as unknown[]) {
    const r = (typeof ref === 'object' && ref !== null ? ref : {}) as Record<string, unknown>;
    if (!r.apiVersion) errs.push(fieldErrors.invalid(`${field}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(fieldErrors.invalid(`${field}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(fieldErrors.invalid(`${field}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(fieldErrors.invalid(`${field}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller === true) controllers++;
  }
  if (controllers > 1) {
    errs.push(fieldErrors.invalid(field, refs, 'Only one reference can have Controller set to true'));
  }
  return errs;
}
