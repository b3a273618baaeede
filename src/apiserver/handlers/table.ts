// Server-side printing: meta.k8s.io/v1 Table built from the registry entry's columns, as kubectl
// `get` asks for. The Name column is common to every resource and added here.
import type { ColumnDefinition, KObject, ResourceEntry, StrategyContext } from '../registry/types.ts';

const nameColumn: ColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
  priority: 0,
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  withColumns: boolean;
  resourceVersion?: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export function columnDefinitions(entry: ResourceEntry): ColumnDefinition[] {
  return entry.tableIncludesName ? entry.columns : [nameColumn, ...entry.columns];
}

export function toTable(entry: ResourceEntry, objects: KObject[], ctx: StrategyContext, opts: TableOptions): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    ...(opts.withColumns ? { columnDefinitions: columnDefinitions(entry) } : { columnDefinitions: null }),
    rows: objects.map((obj) => ({
      cells: entry.tableIncludesName ? entry.row(obj, ctx) : [obj.metadata?.name ?? '', ...entry.row(obj, ctx)],
      ...rowObject(obj, opts.includeObject),
    })),
  };
}

function rowObject(obj: KObject, include: IncludeObject): Record<string, unknown> {
  if (include === 'None') return {};
  if (include === 'Object') return { object: obj };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} } };
}

export function parseIncludeObject(v: string | undefined): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
