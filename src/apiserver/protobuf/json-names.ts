// Where a proto field name is not the JSON name. go-to-protobuf names proto fields after the JSON
// tags, with two exceptions the descriptors cannot show: inline-embedded structs (named after the Go
// type: `volumeSource`, `handler`) and a few fields whose JSON tag is not lowerCamel (`Webhooks`,
// `uID`, `aPIGroup`). Both are settled against the OpenAPI schemas of the same kinds.
import type { ProtoTable } from './proto-types.ts';

export interface OpenApiProperties {
  properties?: Record<string, unknown>;
  required?: string[];
}

/** OpenAPI component name of a proto message: k8s.io.api.core.v1.Pod → io.k8s.api.core.v1.Pod. */
export function openApiName(message: string): string {
  return message.startsWith('k8s.io.') ? `io.k8s.${message.slice('k8s.io.'.length)}` : message;
}

/**
 * Rewrites `table` in place: marks inline fields and renames fields to their JSON property names.
 * Messages or fields the schemas do not describe are left as they are. Returns the changes made.
 */
export function applyJsonNames(table: ProtoTable, schemas: Readonly<Record<string, OpenApiProperties>>): string[] {
  const changes: string[] = [];
  /** JSON property names a message contributes, inline children expanded. */
  const jsonNames = (type: string | undefined, depth = 0): string[] => {
    const msg = type ? table.messages[type] : undefined;
    if (!msg || depth > 8) return [];
    return Object.values(msg.f).flatMap((f) => (f.i ? jsonNames(f.m, depth + 1) : [f.n]));
  };
  // Repeat until stable: marking an inner inline (RuleWithOperations.rule) can reveal an outer one.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, msg] of Object.entries(table.messages)) {
      const props = schemas[openApiName(name)]?.properties;
      if (!props) continue;
      for (const field of Object.values(msg.f)) {
        if (field.i || field.n in props) continue;
        const childNames = field.t === 'message' && !field.r ? jsonNames(field.m) : [];
        if (childNames.length > 0 && childNames.every((n) => n in props)) {
          field.i = true;
          changes.push(`${name}.${field.n}: inline`);
          changed = true;
          continue;
        }
        const renamed = Object.keys(props).find((p) => p.toLowerCase() === field.n.toLowerCase());
        if (renamed) {
          changes.push(`${name}.${field.n} → ${renamed}`);
          field.n = renamed;
          changed = true;
        }
      }
    }
  }
  return changes;
}

/**
 * Marks the value fields whose zero Go's JSON encoder writes (no `omitempty` on the JSON tag), so
 * the decoder keeps a zero it finds for them: `PriorityClass.value: 0` must reach validation as 0,
 * not as a missing required field. OpenAPI lists exactly those fields as `required` (kube-openapi
 * derives `required` from the missing omitempty). In place; idempotent; returns the fields marked.
 */
export function markZeroKeptFields(table: ProtoTable, schemas: (name: string) => OpenApiProperties | undefined): number {
  let marked = 0;
  for (const [name, msg] of Object.entries(table.messages)) {
    const required = schemas(openApiName(name))?.required;
    if (!required?.length) continue;
    for (const field of Object.values(msg.f)) {
      if (field.v && !field.r && !field.z && required.includes(field.n)) {
        field.z = true;
        marked++;
      }
    }
  }
  return marked;
}
