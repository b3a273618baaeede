// The field table the decoder walks: for every Kubernetes protobuf message, its fields by number.
// Built at install time from the FileDescriptorProtos that the kubectl binary embeds
// (scripts/gen-k8s-proto.ts → generated/k8s-proto-fields.json), so no field number is kept by hand.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSchemas } from '../openapi/schemas.ts';
import { markZeroKeptFields } from './json-names.ts';

export type { ProtoField, ProtoKind, ProtoMessage, ProtoTable } from './proto-types.ts';
import type { ProtoTable } from './proto-types.ts';

export const DEFAULT_TABLE_PATH = fileURLToPath(new URL('../../../generated/k8s-proto-fields.json', import.meta.url));

let cached: ProtoTable | null | undefined;

/**
 * The table from generated/k8s-proto-fields.json, read on first use and shared afterwards (immutable).
 * Returns null when the file is absent (kubectl was missing at install time): protobuf bodies are then
 * refused with 415, as before.
 */
export function loadProtoTable(path = DEFAULT_TABLE_PATH): ProtoTable | null {
  if (cached !== undefined && path === DEFAULT_TABLE_PATH) return cached;
  let table: ProtoTable | null;
  try {
    table = JSON.parse(readFileSync(path, 'utf8')) as ProtoTable;
  } catch {
    table = null;
  }
  // Done at load rather than generation so a table generated before this flag existed gets it too.
  if (table) {
    const t = table;
    try {
      const schemas = loadSchemas();
      markZeroKeptFields(t, (name) => schemas.get(name));
    } catch {
      // No OpenAPI schemas: zeros of value fields are dropped as before.
    }
  }
  if (path === DEFAULT_TABLE_PATH) cached = table;
  return table;
}
