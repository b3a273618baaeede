// How the patch code asks the OpenAPI schemas about a field: its child schema and its patch metadata
// (x-kubernetes-patch-strategy / -patch-merge-key / -list-type / -list-map-keys).
// Implemented by openapi/schemas.ts over the generated schema set.

export interface FieldInfo {
  /** Schema name of the field's object value, or of the list's item / map's value (if an object). */
  schema?: string;
  /** 'object' | 'array' | 'map' (additionalProperties) | 'scalar' */
  shape: 'object' | 'array' | 'map' | 'scalar';
  /** e.g. 'merge', 'merge,retainKeys', 'retainKeys', 'replace' */
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** x-kubernetes-map-type: 'atomic' | 'granular' */
  mapType?: string;
}

export interface SchemaNavigator {
  /** Info about `field` of the object schema `schema` (e.g. ('io.k8s.api.core.v1.PodSpec','containers')). */
  field(schema: string, field: string): FieldInfo | undefined;
  /** Whether the schema is known. */
  has(schema: string): boolean;
}
