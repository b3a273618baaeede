// Validation of a CustomResourceDefinition (apiextensions-apiserver's ValidateCustomResourceDefinition,
// the parts Peapod serves): names, group, scope, versions (exactly one storage version), and a
// structural schema for every version, whose CEL rules (x-kubernetes-validations) must compile.
import { fieldErrors, type FieldError } from '../errors.ts';
import { isRecord } from '../registry/common.ts';
import { isDNS1035Label, isDNS1123Subdomain } from '../validation/names.ts';
import type { Crd, CrdVersion } from './crd-types.ts';
import type { JSONSchemaProps } from './schema-types.ts';
import { safeRegExp } from './schema-validation.ts';
import { compileRule } from './cel-rules.ts';

export function validateCrd(crd: Crd): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const group = spec.group ?? '';
  if (crd.metadata?.name !== `${names.plural ?? ''}.${group}`) {
    errs.push(fieldErrors.invalid('metadata.name', crd.metadata?.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  }
  if (!group) errs.push(fieldErrors.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) errs.push(fieldErrors.invalid('spec.group', group, m));
    if (!group.includes('.')) errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  // Groups under k8s.io / kubernetes.io belong to the Kubernetes project (KEP 1111).
  const protectedGroup = /(^|\.)(k8s\.io|kubernetes\.io)$/.test(group);
  if (protectedGroup && !crd.metadata?.annotations?.['api-approved.kubernetes.io']) {
    errs.push(
      fieldErrors.required(
        'metadata.annotations[api-approved.kubernetes.io]',
        'protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
      ),
    );
  }
  if (!spec.scope) errs.push(fieldErrors.required('spec.scope'));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(fieldErrors.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const label = (path: string, v: string | undefined, required: boolean) => {
    if (!v) {
      if (required) errs.push(fieldErrors.required(path));
      return;
    }
    for (const m of isDNS1035Label(v)) errs.push(fieldErrors.invalid(path, v, m));
  };
  label('spec.names.plural', names.plural, true);
  label('spec.names.singular', names.singular, false);
  (names.shortNames ?? []).forEach((s, i) => label(`spec.names.shortNames[${i}]`, s, true));
  (names.categories ?? []).forEach((s, i) => label(`spec.names.categories[${i}]`, s, true));
  const kindLike = (path: string, v: string | undefined) => {
    if (!v) return errs.push(fieldErrors.required(path));
    if (isDNS1035Label(v.toLowerCase()).length > 0)
      errs.push(fieldErrors.invalid(path, v, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  };
  kindLike('spec.names.kind', names.kind);
  kindLike('spec.names.listKind', names.listKind);
  if (names.kind && names.kind === names.listKind)
    errs.push(fieldErrors.invalid('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  const strategy = spec.conversion?.strategy ?? 'None';
  if (strategy !== 'None') errs.push(fieldErrors.notSupported('spec.conversion.strategy', strategy, ['None']));
  errs.push(...validateVersions(spec.versions ?? []));
  return errs;
}

export function validateCrdUpdate(crd: Crd, old: Crd): FieldError[] {
  if (old.spec?.scope && crd.spec?.scope !== old.spec.scope) return [fieldErrors.invalid('spec.scope', crd.spec?.scope ?? '', 'field is immutable')];
  return [];
}

function validateVersions(versions: CrdVersion[]): FieldError[] {
  const errs: FieldError[] = [];
  if (versions.length === 0) return [fieldErrors.required('spec.versions', 'must have exactly one version marked as storage version')];
  if (versions.filter((v) => v.storage).length !== 1)
    errs.push(fieldErrors.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  if (!versions.some((v) => v.served)) errs.push(fieldErrors.invalid('spec.versions', versions, 'must have at least one version marked as served'));
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (!v.name) errs.push(fieldErrors.required(`${path}.name`));
    else {
      for (const m of isDNS1035Label(v.name)) errs.push(fieldErrors.invalid(`${path}.name`, v.name, m));
      if (seen.has(v.name)) errs.push(fieldErrors.invalid('spec.versions', versions, 'must contain unique version names'));
      seen.add(v.name);
    }
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) {
      errs.push(fieldErrors.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
      return;
    }
    const root = `${path}.schema.openAPIV3Schema`;
    if (!schema.type) errs.push(fieldErrors.required(`${root}.type`, 'must not be empty at the root'));
    else if (schema.type !== 'object') errs.push(fieldErrors.invalid(`${root}.type`, schema.type, 'must be object at the root'));
    errs.push(...structural(schema, root, true));
    const scale = v.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath) errs.push(fieldErrors.required(`${path}.subresources.scale.specReplicasPath`));
      else if (!scale.specReplicasPath.startsWith('.spec.'))
        errs.push(fieldErrors.invalid(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
      if (!scale.statusReplicasPath) errs.push(fieldErrors.required(`${path}.subresources.scale.statusReplicasPath`));
      else if (!scale.statusReplicasPath.startsWith('.status.'))
        errs.push(fieldErrors.invalid(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    }
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      if (!c.name) errs.push(fieldErrors.required(`${cp}.name`));
      if (!c.jsonPath) errs.push(fieldErrors.required(`${cp}.jsonPath`));
      if (!c.type) errs.push(fieldErrors.required(`${cp}.type`));
      else if (!['integer', 'number', 'string', 'boolean', 'date'].includes(c.type))
        errs.push(fieldErrors.notSupported(`${cp}.type`, c.type, ['integer', 'number', 'string', 'boolean', 'date']));
    });
  });
  return errs;
}

/** Structural-schema rules: every specified field has a type (or is int-or-string / preserve-unknown). */
function structural(s: JSONSchemaProps, path: string, root: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof s !== 'object' || s === null) return errs;
  if (!root && !s.type && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']) {
    errs.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified object fields'));
  }
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const rp = `${path}.x-kubernetes-validations[${i}]`;
    if (!r.rule) return errs.push(fieldErrors.required(`${rp}.rule`));
    const compiled = compileRule(r.rule);
    if (compiled instanceof Error) errs.push(fieldErrors.invalid(`${rp}.rule`, r.rule, `compilation failed: ${compiled.message.split('\n')[0]}`));
    if (r.messageExpression && compileRule(r.messageExpression) instanceof Error) {
      errs.push(fieldErrors.invalid(`${rp}.messageExpression`, r.messageExpression, 'messageExpression compilation failed'));
    }
  });
  if (s.$ref !== undefined) errs.push(fieldErrors.forbidden(`${path}.$ref`, '$ref is not supported'));
  if (s.pattern !== undefined && !safeRegExp(s.pattern)) errs.push(fieldErrors.invalid(`${path}.pattern`, s.pattern, 'must be a valid regular expression'));
  if (s['x-kubernetes-list-type'] === 'map' && !s['x-kubernetes-list-map-keys']?.length) {
    errs.push(fieldErrors.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  if (s.type === 'array' && !s.items) errs.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  if (s['x-kubernetes-embedded-resource'] && s.type !== 'object')
    errs.push(fieldErrors.invalid(`${path}.type`, s.type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  for (const [k, child] of Object.entries(s.properties ?? {})) errs.push(...structural(child, `${path}.properties[${k}]`, false));
  if (isRecord(s.additionalProperties)) errs.push(...structural(s.additionalProperties, `${path}.additionalProperties`, false));
  if (s.items) errs.push(...structural(s.items, `${path}.items`, false));
  return errs;
}
