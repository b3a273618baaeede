// A served version of an established CRD as a registry entry, so the generic store, discovery,
// OpenAPI, Table output and watch serve custom resources exactly like built-in kinds. Every version
// shares one storage prefix (`/registry/<group>/<plural>/`); with conversion None the versions
// differ only in apiVersion.
import type { FieldError } from '../errors.ts';
import { humanDuration } from '../registry/age.ts';
import { isRecord } from '../registry/common.ts';
import type { ColumnDefinition, KObject, ResourceEntry, StrategyContext } from '../registry/types.ts';
import type { OpenApiSchema } from '../openapi/schemas.ts';
import { compareVersions, type Crd, type CrdNames, type CrdVersion, type PrinterColumn } from './crd-types.ts';
import { evalJsonPath, parseJsonPath } from './json-path.ts';
import { applyDefaults, prune } from './schema-defaults.ts';
import type { JSONSchemaProps } from './schema-types.ts';
import { validateSchema } from './schema-validation.ts';
import { celErrors } from './cel-rules.ts';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Upstream's OpenAPI name for a CR kind: the group reversed, e.g. `com.example.stable.v1.CronTab`. */
export function customSchemaName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

export interface CustomEntryOptions {
  /** Set while the CRD is being deleted: creates are refused then. */
  terminating: () => boolean;
}

/** One entry per served version, in version priority order (the first is the preferred one). */
export function customResourceEntries(crd: Crd, names: CrdNames, options: CustomEntryOptions): ResourceEntry[] {
  const versions = (crd.spec?.versions ?? []).filter((v) => v.served && v.name);
  versions.sort((a, b) => compareVersions(a.name!, b.name!));
  return versions.map((v) => versionEntry(crd, v, names, options));
}

function versionEntry(crd: Crd, v: CrdVersion, names: CrdNames, options: CustomEntryOptions): ResourceEntry {
  const group = crd.spec!.group!;
  const version = v.name!;
  const kind = names.kind!;
  const schema: JSONSchemaProps = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const { metadata: _meta, ...bodyProps } = schema.properties ?? {};
  const bodySchema: JSONSchemaProps = { ...schema, properties: bodyProps };
  const statusSchema = schema.properties?.status;
  const hasStatus = v.subresources?.status !== undefined;
  const scale = v.subresources?.scale;
  const printer = v.additionalPrinterColumns?.length ? v.additionalPrinterColumns : [AGE];
  const compiled = printer.map((c) => ({ column: c, steps: parseJsonPath(c.jsonPath ?? '') ?? [] }));
  const schemaName = customSchemaName(group, version, kind);
  const fieldSelectors: Record<string, (obj: KObject) => string> = {};
  for (const f of v.selectableFields ?? []) {
    const steps = parseJsonPath(f.jsonPath ?? '');
    if (steps) fieldSelectors[(f.jsonPath ?? '').replace(/^\./, '')] = (obj) => scalarText(evalJsonPath(steps, obj)[0]);
  }
  const pruneAndDefault = (obj: KObject) => {
    prune(schema, obj, true);
    applyDefaults(bodySchema, obj);
  };
  const refusal = `create not allowed while custom resource definition is terminating`;
  return {
    group,
    version,
    kind,
    listKind: names.listKind ?? `${kind}List`,
    resource: names.plural!,
    singular: names.singular || kind.toLowerCase(),
    namespaced: crd.spec?.scope === 'Namespaced',
    ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
    ...(names.categories?.length ? { categories: names.categories } : {}),
    schema: schemaName,
    openApiSchemas: { [schemaName]: publishedSchema(schema, { group, version, kind }) },
    columns: compiled.map(({ column }) => columnDefinition(column)),
    row: (obj, ctx) => compiled.map(({ column, steps }) => cell(column, evalJsonPath(steps, obj), ctx)),
    fieldSelectors,
    hasStatus,
    hasGeneration: true,
    strategicMergePatch: false,
    convertApiVersion: true,
    refuseCreate: () => (options.terminating() ? refusal : undefined),
    ...(scale
      ? {
          subresources: [{ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }],
          scalePaths: {
            specReplicasPath: scale.specReplicasPath ?? '.spec.replicas',
            statusReplicasPath: scale.statusReplicasPath ?? '.status.replicas',
            ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}),
          },
        }
      : {}),
    defaults: pruneAndDefault,
    prepareForCreate: (obj) => {
      // With the status subresource, status is written only through it (as upstream).
      if (hasStatus) delete obj.status;
    },
    validate: (obj) => {
      const body = withoutMetadata(obj);
      const errs = validateSchema(bodySchema, body);
      return [...errs, ...celErrors(bodySchema, body, undefined, { path: '', transition: false })];
    },
    validateUpdate: (obj, old) => celErrors(bodySchema, withoutMetadata(obj), withoutMetadata(old), { path: '', transition: true }),
    prepareForStatusUpdate: (obj) => {
      if (statusSchema && isRecord(obj.status)) {
        prune(statusSchema, obj.status);
        applyDefaults(statusSchema, obj.status);
      }
    },
    // validate() already checked the whole object (status included); only transition rules remain.
    validateStatusUpdate: (obj, old): FieldError[] =>
      statusSchema && obj.status !== undefined ? celErrors(statusSchema, obj.status, old.status, { path: 'status', transition: true }) : [],
  };
}

function withoutMetadata(obj: KObject): Record<string, unknown> {
  const { metadata: _m, ...rest } = obj;
  return rest;
}

/** The CRD schema as served in OpenAPI: metadata is ObjectMeta, and the kind is tagged with its GVK. */
function publishedSchema(schema: JSONSchemaProps, gvk: { group: string; version: string; kind: string }): OpenApiSchema {
  const properties = {
    ...(schema.properties ?? {}),
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: "Standard object's metadata." },
  };
  return { ...(schema as OpenApiSchema), type: 'object', properties: properties as Record<string, OpenApiSchema>, 'x-kubernetes-group-version-kind': [gvk] };
}

function columnDefinition(c: PrinterColumn): ColumnDefinition {
  const type = (['string', 'integer', 'number', 'boolean', 'date'] as const).find((t) => t === c.type) ?? 'string';
  return { name: c.name ?? '', type, ...(c.format ? { format: c.format } : {}), description: c.description ?? '', priority: c.priority ?? 0 };
}

function scalarText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A printer cell: dates as ages, numbers as numbers, several matches joined by commas (as upstream). */
function cell(c: PrinterColumn, values: unknown[], ctx: StrategyContext): unknown {
  if (values.length === 0) return null;
  if (values.length > 1) return values.map(scalarText).join(',');
  const v = values[0];
  if (c.type === 'date' && typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? '<invalid>' : humanDuration(ctx.now().getTime() - t);
  }
  if ((c.type === 'integer' || c.type === 'number') && typeof v === 'number') return v;
  if (c.type === 'boolean' && typeof v === 'boolean') return v;
  return scalarText(v);
}
