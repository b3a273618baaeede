// Where a value sits in the schema, as the patch code walks an object: the object schema whose
// declared fields we look up, or a map (additionalProperties) whose keys are free-form and whose
// values have one schema. `undefined` means "unknown": merge like JSON merge patch.
import type { FieldInfo, SchemaNavigator } from '../openapi/navigator.ts';

export interface SchemaNode {
  schema?: string;
  /** Keys are not fields: every value has schema `schema`. */
  isMap?: boolean;
}

export function fieldInfo(nav: SchemaNavigator, node: SchemaNode | undefined, key: string): FieldInfo | undefined {
  if (!node) return undefined;
  if (node.isMap) return node.schema ? { shape: 'object', schema: node.schema } : { shape: 'scalar' };
  return node.schema ? nav.field(node.schema, key) : undefined;
}

/** The node of a field's value (object or map), or of its list items (array). */
export function childNode(info: FieldInfo | undefined): SchemaNode | undefined {
  if (!info) return undefined;
  if (info.shape === 'map') return { isMap: true, ...(info.schema ? { schema: info.schema } : {}) };
  return info.schema ? { schema: info.schema } : undefined;
}

export function strategies(info: FieldInfo | undefined): string[] {
  return info?.patchStrategy ? info.patchStrategy.split(',') : [];
}

/** How server-side apply treats a list: x-kubernetes-list-type first, then the SMP tags. */
export type ListKind = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: string[] };

export function listKind(info: FieldInfo | undefined): ListKind {
  if (!info) return { kind: 'atomic' };
  if (info.listType === 'atomic') return { kind: 'atomic' };
  if (info.listType === 'set') return { kind: 'set' };
  const keys = info.listMapKeys ?? (info.patchMergeKey ? [info.patchMergeKey] : []);
  if (info.listType === 'map' && keys.length > 0) return { kind: 'map', keys };
  if (strategies(info).includes('merge')) {
    return info.patchMergeKey ? { kind: 'map', keys: [info.patchMergeKey] } : { kind: 'set' };
  }
  return { kind: 'atomic' };
}
