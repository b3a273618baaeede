// The generated OpenAPI v3 component schemas (generated/openapi-schemas.json, written at build time
// by scripts/gen-openapi.ts) and the SchemaNavigator over them. Loaded once, on first use.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FieldInfo, SchemaNavigator } from './navigator.ts';

/** The subset of an OpenAPI v3 schema object that our schemas use. */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  description?: string;
  enum?: string[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface SchemaSet {
  readonly navigator: SchemaNavigator;
  /** The named component schema, e.g. 'io.k8s.api.core.v1.Pod'. */
  get(name: string): OpenApiSchema | undefined;
  /** All schema names, sorted. */
  names(): string[];
  /**
   * Follows `$ref` and single-element `allOf` wrappers (the upstream form of a described reference)
   * to the schema that says what the value is, with the name it was found under (if any).
   */
  resolve(schema: OpenApiSchema): { schema: OpenApiSchema; name?: string };
}

export const REF_PREFIX = '#/components/schemas/';

const DEFAULT_PATH = fileURLToPath(new URL('../../../generated/openapi-schemas.json', import.meta.url));

let loaded: SchemaSet | undefined;

/**
 * The schema set from generated/openapi-schemas.json, read on the first call and shared afterwards
 * (it is immutable). Throws if the file is missing: run `npx tsx scripts/gen-openapi.ts`.
 */
export function loadSchemas(): SchemaSet {
  if (!loaded) {
    let text: string;
    try {
      text = readFileSync(DEFAULT_PATH, 'utf8');
    } catch (err) {
      throw new Error(`${DEFAULT_PATH} is missing; run \`npx tsx scripts/gen-openapi.ts\``, { cause: err });
    }
    const parsed = JSON.parse(text) as { schemas: Record<string, OpenApiSchema> };
    loaded = schemaSet(parsed.schemas);
  }
  return loaded;
}

/** A schema set over an in-memory table (tests, or CRD schemas layered over the built-ins). */
export function schemaSet(schemas: Readonly<Record<string, OpenApiSchema>>): SchemaSet {
  const table = new Map(Object.entries(schemas));

  const resolve = (schema: OpenApiSchema): { schema: OpenApiSchema; name?: string } => {
    let current = schema;
    let name: string | undefined;
    for (let hops = 0; hops < 16; hops++) {
      const wrapped = current.allOf?.length === 1 ? current.allOf[0] : undefined;
      const ref = current.$ref ?? wrapped?.$ref;
      if (ref === undefined) {
        if (wrapped && !current.type && !current.properties) {
          current = wrapped;
          continue;
        }
        break;
      }
      name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
      const target = table.get(name);
      if (!target) break;
      current = target;
    }
    return name === undefined ? { schema: current } : { schema: current, name };
  };

  const isObject = (s: OpenApiSchema) => s.properties !== undefined || (s.type === 'object' && !isMap(s));
  const isMap = (s: OpenApiSchema) => typeof s.additionalProperties === 'object';

  /** Name of the value's schema when the value is a named object. */
  const objectName = (s: OpenApiSchema): string | undefined => {
    const r = resolve(s);
    return r.name !== undefined && isObject(r.schema) ? r.name : undefined;
  };

  const navigator: SchemaNavigator = {
    has: (name) => table.has(name),
    field(schemaName, field) {
      const owner = table.get(schemaName);
      if (!owner) return undefined;
      const props = resolve(owner).schema.properties;
      const prop = props && Object.hasOwn(props, field) ? props[field] : undefined;
      if (!prop) return undefined;
      const value = resolve(prop).schema;
      let info: FieldInfo;
      if (value.type === 'array') {
        info = { shape: 'array' };
        const item = value.items && objectName(value.items);
        if (item) info.schema = item;
      } else if (isMap(value) && typeof value.additionalProperties === 'object') {
        info = { shape: 'map' };
        const item = objectName(value.additionalProperties);
        if (item) info.schema = item;
      } else if (isObject(value)) {
        info = { shape: 'object' };
        const name = objectName(prop);
        if (name) info.schema = name;
      } else {
        info = { shape: 'scalar' };
      }
      // Patch metadata sits on the property itself, next to the $ref/allOf wrapper.
      if (prop['x-kubernetes-patch-strategy']) info.patchStrategy = prop['x-kubernetes-patch-strategy'];
      if (prop['x-kubernetes-patch-merge-key']) info.patchMergeKey = prop['x-kubernetes-patch-merge-key'];
      if (prop['x-kubernetes-list-type']) info.listType = prop['x-kubernetes-list-type'];
      if (prop['x-kubernetes-list-map-keys']) info.listMapKeys = [...prop['x-kubernetes-list-map-keys']];
      const mapType = prop['x-kubernetes-map-type'] ?? value['x-kubernetes-map-type'];
      if (mapType) info.mapType = mapType;
      return info;
    },
  };

  return {
    navigator,
    get: (name) => table.get(name),
    names: () => [...table.keys()].sort(),
    resolve,
  };
}
