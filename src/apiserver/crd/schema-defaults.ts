// Pruning and defaulting of custom resources by their structural schema, as kube-apiserver does on
// every write: fields the schema does not declare are dropped (unless x-kubernetes-preserve-unknown-
// fields), then `default` values fill absent fields. Both mutate `value` in place.
import { isRecord } from '../registry/common.ts';
import type { JSONSchemaProps } from './schema-types.ts';

/** Fields kept on every object root and every embedded resource whatever the schema says. */
const ENVELOPE = new Set(['apiVersion', 'kind', 'metadata']);

export function prune(schema: JSONSchemaProps, value: unknown, root = false): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) prune(schema.items, item);
    return;
  }
  if (!isRecord(value)) return;
  const envelope = root || schema['x-kubernetes-embedded-resource'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [k, child] of Object.entries(value)) {
    const prop = schema.properties && Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined;
    if (prop) {
      // The root's metadata is ObjectMeta, validated by the server, not by the schema.
      if (!(envelope && k === 'metadata')) prune(prop, child);
    } else if (isRecord(schema.additionalProperties)) {
      prune(schema.additionalProperties, child);
    } else if (!preserve && schema.additionalProperties !== true && !(envelope && ENVELOPE.has(k))) {
      delete value[k];
    }
  }
}

export function applyDefaults(schema: JSONSchemaProps, value: unknown): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(schema.items, item);
    return;
  }
  if (!isRecord(value)) return;
  for (const [k, prop] of Object.entries(schema.properties ?? {})) {
    if (value[k] === undefined && prop.default !== undefined) value[k] = structuredClone(prop.default);
    if (value[k] !== undefined) applyDefaults(prop, value[k]);
  }
  if (isRecord(schema.additionalProperties)) {
    const child = schema.additionalProperties;
    for (const [k, v] of Object.entries(value)) if (!schema.properties || !Object.hasOwn(schema.properties, k)) applyDefaults(child, v);
  }
}
