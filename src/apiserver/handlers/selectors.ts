// Label and field selectors from query strings, turned into predicates over objects. Field
// selectors are limited to the fields the resource's registry entry supports (plus metadata.name
// and metadata.namespace), with upstream's 400 for anything else.
import { badRequest } from '../errors.ts';
import type { KObject, ResourceEntry } from '../registry/types.ts';
import { parseFieldSelector, parseLabelSelector, SelectorError, validateFields } from '../selectors/index.ts';

export function buildLabelMatcher(selector: string | undefined): ((labels: Record<string, string> | undefined) => boolean) | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  try {
    const m = parseLabelSelector(selector);
    return (labels) => m.matches(labels);
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

export function fieldGetter(entry: ResourceEntry, obj: KObject): (field: string) => string | undefined {
  return (field) => {
    if (field === 'metadata.name') return obj.metadata?.name ?? '';
    if (field === 'metadata.namespace') return obj.metadata?.namespace ?? '';
    const f = entry.fieldSelectors?.[field];
    return f ? f(obj) : undefined;
  };
}

export function buildFieldMatcher(entry: ResourceEntry, selector: string | undefined): ((obj: KObject) => boolean) | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  try {
    const sel = parseFieldSelector(selector);
    validateFields(sel, new Set(['metadata.name', 'metadata.namespace', ...Object.keys(entry.fieldSelectors ?? {})]));
    return (obj) => sel.matches(fieldGetter(entry, obj));
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}
