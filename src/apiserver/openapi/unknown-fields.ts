// Strict field validation (fieldValidation=Strict/Warn): the fields of a decoded request body that
// its schema does not declare. Paths use upstream's notation, e.g. `spec.containers[0].bogus`, so
// the caller can build `strict decoding error: unknown field "spec.containers[0].bogus"`.
import type { OpenApiSchema, SchemaSet } from './schemas.ts';

/** Fields every object carries at the top whether or not its schema lists them. */
const TOP_LEVEL_ALWAYS = new Set(['apiVersion', 'kind']);

/** Each schema node resolved once ($ref and single allOf followed): schemas are immutable and shared. */
const resolved = new WeakMap<OpenApiSchema, OpenApiSchema>();

/**
 * Dotted paths of the fields in `obj` that the schema `schemaName` does not declare, in document
 * order. Map (additionalProperties) keys are free; values whose schema has no structure (IntOrString,
 * Quantity, RawExtension, preserve-unknown-fields) are leaves. An unknown schema name yields [].
 * Runs on every write (fieldValidation defaults to Warn), so a path is only spelled out for a
 * field it reports: the walk keeps the keys that lead to the current value on a stack.
 */
export function unknownFields(set: SchemaSet, schemaName: string, obj: unknown): string[] {
  const root = set.get(schemaName);
  if (!root) return [];
  const found: string[] = [];
  const trail: (string | number)[] = [];
  const pathTo = (key: string): string => {
    let path = '';
    for (const step of trail) path = typeof step === 'number' ? `${path}[${step}]` : path === '' ? step : `${path}.${step}`;
    return path === '' ? key : `${path}.${key}`;
  };
  const resolve = (schema: OpenApiSchema): OpenApiSchema => {
    let s = resolved.get(schema);
    if (s === undefined) {
      s = set.resolve(schema).schema;
      resolved.set(schema, s);
    }
    return s;
  };

  const visit = (schema: OpenApiSchema, value: unknown, top: boolean): void => {
    if (value === null || typeof value !== 'object') return;
    const s = resolve(schema);
    if (Array.isArray(value)) {
      const items = s.items;
      if (!items) return;
      for (let i = 0; i < value.length; i++) {
        trail.push(i);
        visit(items, value[i], false);
        trail.pop();
      }
      return;
    }
    if (s['x-kubernetes-preserve-unknown-fields']) return;
    const record = value as Record<string, unknown>;
    // A custom resource's embedded object carries its own envelope, declared or not.
    const embedded = (s as { 'x-kubernetes-embedded-resource'?: boolean })['x-kubernetes-embedded-resource'] === true;
    const properties = s.properties;
    const valueSchema = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    if (!properties && !valueSchema) return;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const child = record[key];
      const prop = properties ? (Object.hasOwn(properties, key) ? properties[key] : undefined) : valueSchema;
      if (prop) {
        if (child === null || typeof child !== 'object') continue;
        trail.push(key);
        visit(prop, child, false);
        trail.pop();
      } else if (!((top || embedded) && TOP_LEVEL_ALWAYS.has(key)) && !(embedded && key === 'metadata')) found.push(pathTo(key));
    }
  };

  visit(root, obj, true);
  return found;
}
