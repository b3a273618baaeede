// A registry entry describes one resource completely: identity, scope, names for discovery,
// table columns, field selectors, defaulting, validation and the update strategy. The generic store,
// discovery, OpenAPI and Table output are all driven from these entries; adding a resource is adding
// an entry (registry/<resource>.ts) and listing it in registry/index.ts.
import type { FieldError } from '../errors.ts';
import type { NameValidator } from '../validation/names.ts';
import type { OpenApiSchema } from '../openapi/schemas.ts';
import type { DeleteOptions } from '../../api/index.ts';

/** Any Kubernetes object as it travels through the server (parsed JSON). */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority: number;
}

export type { DeleteOptions };

/** Context a strategy hook gets: the clock, so time-based logic can be tested. */
export interface StrategyContext {
  now(): Date;
}

export interface SubresourceInfo {
  name: string;
  /** Kind returned (for discovery); defaults to the parent's kind. */
  kind?: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceEntry {
  readonly group: string; // '' for core
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly resource: string; // plural, lower case
  readonly singular: string;
  readonly namespaced: boolean;
  /**
   * Rule for metadata.name (and generateName) that the store passes to validateObjectMeta;
   * default DNS-1123 subdomain. Namespaces use nameIsDNSLabel.
   */
  readonly nameValidator?: NameValidator;
  readonly shortNames?: string[];
  readonly categories?: string[];
  /** Verbs on the main resource; default: all eight. */
  readonly verbs?: string[];
  readonly subresources?: SubresourceInfo[];
  /** Schema name in OpenAPI, e.g. io.k8s.api.core.v1.Pod. */
  readonly schema: string;

  /** Table columns after Name (Name is added by the server). Age is included by the entry. */
  readonly columns: ColumnDefinition[];
  /**
   * The entry's columns include Name itself (somewhere other than first, e.g. Events, whose
   * upstream table starts with Last Seen and lists Name last, `-o wide` only), so the server must
   * not prepend its Name column; row() then yields a cell for it too.
   */
  readonly tableIncludesName?: boolean;
  /** Status-subresource preparation (after the store copied the new status onto the old object). */
  prepareForStatusUpdate?(obj: KObject, old: KObject): void;
  /** Status-subresource validation. */
  validateStatusUpdate?(obj: KObject, old: KObject): FieldError[];
  /** One cell per column in `columns`, for the given object. */
  row(obj: KObject, ctx: StrategyContext): unknown[];

  /**
   * Extra field-selector fields beyond metadata.name / metadata.namespace (always supported);
   * each returns the object's value for that field as a string.
   */
  readonly fieldSelectors?: Record<string, (obj: KObject) => string>;

  /** Fill in defaults on create and update (mutates). */
  defaults?(obj: KObject): void;
  /** Create-time preparation beyond defaults: e.g. reset status, set generation (mutates). */
  prepareForCreate?(obj: KObject, ctx: StrategyContext): void;
  /** Update preparation of the main resource, e.g. keep the old status (mutates `obj`). */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** Validation of a new object. */
  validate?(obj: KObject): FieldError[];
  /** Validation of an update (in addition to validate()). */
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  /** Whether the status subresource exists and the main resource ignores status changes. */
  readonly hasStatus?: boolean;
  /** Whether metadata.generation is bumped on spec changes (apps/batch style). */
  readonly hasGeneration?: boolean;
  /**
   * Graceful delete: returns the grace period in seconds to use, or undefined to delete at once.
   * Called with the live object and the request's options.
   */
  gracePeriod?(obj: KObject, options: DeleteOptions): number | undefined;
  /** DELETE returns the object (pods) rather than a Status. */
  readonly returnDeletedObject?: boolean;
  /** Resources the server creates and which must not be deleted (e.g. namespace `default`). */
  readonly protectedNames?: string[];

  /** Component schemas this entry brings (custom resources), layered over the built-in set. */
  readonly openApiSchemas?: Readonly<Record<string, OpenApiSchema>>;
  /** Where the scale subresource reads and writes (custom resources; default spec.replicas...). */
  readonly scalePaths?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** Strategic merge patch needs Go struct tags: custom resources refuse it (415), as upstream. */
  readonly strategicMergePatch?: false;
  /** Objects stored through another version of the resource are served with this entry's apiVersion. */
  readonly convertApiVersion?: boolean;
  /**
   * Converts an object stored through another version of the resource into this entry's version
   * (returns a new object, never mutates). Built-in kinds served in two versions (HPA v1/v2).
   */
  readonly convert?: (obj: KObject) => KObject;
  /** Refuses creates (a custom resource whose definition is being deleted). */
  readonly refuseCreate?: () => string | undefined;
}
