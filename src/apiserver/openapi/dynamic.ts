// OpenAPI that follows the registry: the built-in schema set with the schemas of custom resources
// layered on top, and the served documents rebuilt (lazily, on the next request) after the set of
// resources changed. Document hashes change with their bodies, so kubectl refetches exactly then.
import type { ResourceRegistry } from '../resource-registry.ts';
import type { ResourceEntry } from '../registry/types.ts';
import { buildOpenApi, type OpenApi } from './documents.ts';
import type { FieldInfo, SchemaNavigator } from './navigator.ts';
import { schemaSet, type OpenApiSchema, type SchemaSet } from './schemas.ts';

export class LayeredSchemas {
  current: SchemaSet;
  private readonly base: Record<string, OpenApiSchema>;
  /** Delegates to the current set, so holders of the navigator see later layers. */
  readonly navigator: SchemaNavigator = {
    has: (name: string) => this.current.navigator.has(name),
    field: (schema: string, field: string): FieldInfo | undefined => this.current.navigator.field(schema, field),
  };

  constructor(builtins: SchemaSet) {
    this.current = builtins;
    this.base = Object.fromEntries(builtins.names().map((n) => [n, builtins.get(n)!]));
  }

  /** Rebuilds the set from the built-ins plus every entry's own schemas. */
  update(entries: readonly ResourceEntry[]): void {
    const extra: Record<string, OpenApiSchema> = {};
    for (const e of entries) Object.assign(extra, e.openApiSchemas ?? {});
    this.current = Object.keys(extra).length === 0 ? schemaSet(this.base) : schemaSet({ ...this.base, ...extra });
  }
}

export function dynamicOpenApi(registry: ResourceRegistry, schemas: LayeredSchemas): OpenApi {
  let built: OpenApi | undefined;
  let generation = -1;
  const current = (): OpenApi => {
    if (!built || generation !== registry.generation) {
      generation = registry.generation;
      built = buildOpenApi(
        registry.all.map(({ entry: e }) => ({
          group: e.group,
          version: e.version,
          kind: e.kind,
          resource: e.resource,
          namespaced: e.namespaced,
          schema: e.schema,
          subresources: [...(e.hasStatus ? ['status'] : []), ...(e.subresources ?? []).map((s) => s.name)],
          ...(e.strategicMergePatch === false ? { strategicMergePatch: false } : {}),
        })),
        { schemas: schemas.current },
      );
    }
    return built;
  };
  return { root: () => current().root(), document: (path) => current().document(path) };
}
