// The served OpenAPI v3 documents: the `/openapi/v3` root listing one URL per group-version, and a
// document per group-version with its paths and every component schema reachable from them.
// Documents are built on first request and cached; the hash in the root URL is a content hash of
// the document body, so kubectl's cache (keyed by URL) is invalidated exactly when a body changes.
import { createHash } from 'node:crypto';
import { gvPath, resourcePaths, type OpenApiResource } from './operations.ts';
import { loadSchemas, REF_PREFIX, type OpenApiSchema, type SchemaSet } from './schemas.ts';
import { byteOrder } from '../../util/index.ts';

export type { OpenApiResource } from './operations.ts';

export interface OpenApiDocument {
  /** The document as JSON text, ready to send with Content-Type application/json. */
  body: string;
  /** Upper-case hex SHA-512 of `body`; also the `hash` query parameter in the root's URL. */
  hash: string;
}

export interface OpenApi {
  /** `{ paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=…' }, … } }` */
  root(): { paths: Record<string, { serverRelativeURL: string }> };
  /** The document of a group-version path ('api/v1', 'apis/apps/v1'; a leading '/' is ignored). */
  document(gvPath: string): OpenApiDocument | undefined;
}

export interface BuildOpenApiOptions {
  /** Defaults to the generated built-in schemas (loadSchemas()). */
  schemas?: SchemaSet;
}

/**
 * OpenAPI v3 documents for `resources`. Pure function of its inputs; to serve a changed resource
 * list (e.g. a new CRD), build a new instance.
 */
export function buildOpenApi(resources: readonly OpenApiResource[], options: BuildOpenApiOptions = {}): OpenApi {
  const byGv = new Map<string, OpenApiResource[]>();
  for (const r of resources) {
    const key = gvPath(r.group, r.version);
    const list = byGv.get(key) ?? [];
    list.push(r);
    byGv.set(key, list);
  }
  const cache = new Map<string, OpenApiDocument>();
  let rootDoc: ReturnType<OpenApi['root']> | undefined;

  const document = (path: string): OpenApiDocument | undefined => {
    const key = path.replace(/^\/+/, '');
    const cached = cache.get(key);
    if (cached) return cached;
    const list = byGv.get(key);
    if (!list) return undefined;
    const body = JSON.stringify(groupVersionDocument(list, options.schemas ?? loadSchemas()));
    const doc = { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
    cache.set(key, doc);
    return doc;
  };

  return {
    document,
    root() {
      if (!rootDoc) {
        const paths: Record<string, { serverRelativeURL: string }> = {};
        for (const key of [...byGv.keys()].sort()) {
          const doc = document(key);
          if (doc) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
        }
        rootDoc = { paths };
      }
      return rootDoc;
    },
  };
}

function groupVersionDocument(resources: readonly OpenApiResource[], set: SchemaSet): object {
  const has = (name: string) => set.get(name) !== undefined;
  const paths: Record<string, unknown> = {};
  const sorted = [...resources].sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  for (const r of sorted) Object.assign(paths, resourcePaths(r, { has }));
  const ordered = Object.fromEntries(
    Object.keys(paths)
      .sort()
      .map((p) => [p, paths[p]]),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: ordered,
    components: { schemas: reachableSchemas(ordered, set) },
  };
}

/** Every component schema referenced from `root`, transitively, sorted by name. */
export function reachableSchemas(root: unknown, set: SchemaSet): Record<string, OpenApiSchema> {
  const found = new Map<string, OpenApiSchema>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...node);
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) {
          const name = v.slice(REF_PREFIX.length);
          const schema = set.get(name);
          if (schema && !found.has(name)) {
            found.set(name, schema);
            pending.push(schema);
          }
        } else if (typeof v === 'object') {
          pending.push(v);
        }
      }
    }
  }
  return Object.fromEntries([...found.entries()].sort(([a], [b]) => byteOrder(a, b)));
}
