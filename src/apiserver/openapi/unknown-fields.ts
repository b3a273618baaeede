// Strict field validation (fieldValidation=Strict/Warn): the fields of a decoded request body that
// its schema does not declare. Paths use upstream's notation, e.g. `spec.containers[0].bogus`, so
// the caller can build `strict decoding error: unknown field "spec.containers[0].bogus"`.
import type { OpenApiSchema, SchemaSet } from './schemas.ts';

/** Fields every object carries at the top whether or not its schema lists them. */
const TOP_LEVEL_ALWAYS = new Set(['apiVersion', 'kind']);

/**
 * Dotted paths of the fields in `obj` that the schema `schemaName` does not declare, in document
 * order. Map (additionalProperties) keys are free; values whose schema has no structure (IntOrString,
 * Quantity, RawExtension, preserve-unknown-fields) are leaves. An unknown schema name yields [].
 */
export function unknownFields(set: SchemaSet, schemaName: string, obj: unknown): string[] {
  const root = set.get(schemaName);
  if (!root) return [];
  const found: string[] = [];

  const visit = (schema: OpenApiSchema, value: unknown, path: string, top: boolean): void => {
    const s = set.resolve(schema).schema;
    if (Array.isArray(value)) {
      const items = s.items;
      if (items) value.forEach((item, i) => visit(items, item, `${path}[${i}]`, false));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (s['x-kubernetes-preserve-unknown-fields']) return;
    const record = value as Record<string, unknown>;
    // A custom resource's embedded object carries its own envelope, declared or not.
    const embedded = (s as { 'x-kubernetes-embedded-resource'?: boolean })['x-kubernetes-embedded-resource'] === true;
    const join = (key: string) => (path === '' ? key : `${path}.${key}`);
    if (s.properties) {
      for (const [key, child] of Object.entries(record)) {
        const prop = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
        if (prop) visit(prop, child, join(key), false);
        else if (!((top || embedded) && TOP_LEVEL_ALWAYS.has(key)) && !(embedded && key === 'metadata')) found.push(join(key));
      }
    } else if (typeof s.additionalProperties === 'object') {
      const valueSchema = s.additionalProperties;
      for (const [key, child] of Object.entries(record)) visit(valueSchema, child, join(key), false);
    }
  };

  visit(root, obj, '', true);
  return found;
}
