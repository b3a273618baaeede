// The path items of a group-version OpenAPI v3 document: one item per resource (and per
// subresource with a body), in the shape kubectl reads. What kubectl relies on (notes/kubectl-wire-
// contract.md §3): every kind has a `patch` operation carrying `x-kubernetes-group-version-kind` and
// a `fieldValidation` query parameter — without it kubectl falls back to client-side validation.
import { REF_PREFIX } from './schemas.ts';

export interface OpenApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. 'pods'. */
  resource: string;
  namespaced: boolean;
  /** Component schema name of the kind, e.g. 'io.k8s.api.core.v1.Pod'. */
  schema: string;
  /** e.g. ['status', 'scale', 'log']; those without a known body schema get no path. */
  subresources?: string[];
  /**
   * false for custom resources: their PATCH operations then omit the strategic merge content type,
   * which is how kubectl's client-side apply knows to send a JSON merge patch instead.
   */
  strategicMergePatch?: boolean;
}

type Obj = Record<string, unknown>;
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** Subresources whose body is another kind than the parent's. */
const SUBRESOURCE_BODIES: Record<string, { schema: string; gvk: Gvk; verbs: readonly Verb[] }> = {
  scale: {
    schema: 'io.k8s.api.autoscaling.v1.Scale',
    gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    verbs: ['get', 'put', 'patch'],
  },
  binding: {
    schema: 'io.k8s.api.core.v1.Binding',
    gvk: { group: '', version: 'v1', kind: 'Binding' },
    verbs: ['post'],
  },
  eviction: {
    schema: 'io.k8s.api.policy.v1.Eviction',
    gvk: { group: 'policy', version: 'v1', kind: 'Eviction' },
    verbs: ['post'],
  },
};

type Verb = 'get' | 'put' | 'patch' | 'delete' | 'post';

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const query = (name: string, description: string, type = 'string'): Obj => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});
const PRETTY = query('pretty', 'Indent the JSON output when true.');
const DRY_RUN = query('dryRun', 'When present, changes are not persisted. Valid value: All.');
const FIELD_MANAGER = query('fieldManager', 'Name of the actor or entity making the change.');
const FIELD_VALIDATION = query('fieldValidation', 'How to handle unknown or duplicate fields in the body: Ignore, Warn or Strict.');
const FORCE = query('force', 'Apply only: take ownership of conflicting fields.', 'boolean');
const pathParam = (name: string, description: string): Obj => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: { type: 'string', uniqueItems: true },
});

const ref = (name: string): Obj => ({ $ref: REF_PREFIX + name });
const json = (schema: string): Obj => ({ 'application/json': { schema: ref(schema) } });
const STATUS_TEXT: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
const ok = (schema: string | undefined, codes: readonly string[] = ['200']): Obj => {
  const responses: Obj = {};
  for (const code of codes) {
    const description = STATUS_TEXT[code];
    responses[code] = schema ? { description, content: json(schema) } : { description };
  }
  responses['401'] = { description: 'Unauthorized' };
  return responses;
};

/** Tag and operation-id stem in upstream style: '' → core, 'rbac.authorization.k8s.io' → rbacAuthorization. */
function groupStem(group: string): string {
  if (group === '') return 'core';
  const parts = group.replace(/\.k8s\.io$/, '').split('.');
  return parts.map((p, i) => (i === 0 ? p : cap(p))).join('');
}
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The path prefix of a group-version: 'api/v1' or 'apis/apps/v1' (no leading slash). */
export function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/**
 * Path items for one resource, keyed by path ('/api/v1/namespaces/{namespace}/pods/{name}', ...).
 * `has` says which component schemas exist, so no $ref dangles (e.g. a kind without a List schema).
 */
export function resourcePaths(r: OpenApiResource, options: { has: (schema: string) => boolean }): Record<string, Obj> {
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const tag = `${groupStem(r.group)}_${r.version}`;
  const idStem = `${cap(groupStem(r.group))}${cap(r.version)}${r.namespaced ? 'Namespaced' : ''}${r.kind}`;
  const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const scope = r.namespaced ? [pathParam('namespace', `namespace of the ${r.kind}`)] : [];
  const named = [pathParam('name', `name of the ${r.kind}`), ...scope, PRETTY];

  const op = (verb: Verb, action: string, id: string, body: { schema: string; gvk: Gvk }, what: string): Obj => {
    const o: Obj = {
      tags: [tag],
      description: what,
      operationId: `${action}${id}`,
      responses: {},
      'x-kubernetes-action': action === 'read' ? 'get' : action === 'replace' ? 'put' : action,
      'x-kubernetes-group-version-kind': body.gvk,
    };
    switch (verb) {
      case 'get':
        o.responses = ok(body.schema);
        break;
      case 'put':
        o.parameters = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
        o.requestBody = { content: { '*/*': { schema: ref(body.schema) } }, required: true };
        o.responses = ok(body.schema, ['200', '201']);
        break;
      case 'post':
        o.parameters = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
        o.requestBody = { content: { '*/*': { schema: ref(body.schema) } }, required: true };
        o.responses = ok(body.schema, ['200', '201', '202']);
        break;
      case 'patch':
        o.parameters = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE];
        o.requestBody = {
          content: Object.fromEntries(
            PATCH_TYPES.filter((t) => r.strategicMergePatch !== false || !t.startsWith('application/strategic')).map((t) => [
              t,
              { schema: ref(`${META}Patch`) },
            ]),
          ),
          required: true,
        };
        o.responses = ok(body.schema, ['200', '201']);
        break;
      case 'delete':
        o.parameters = [DRY_RUN, query('gracePeriodSeconds', 'Seconds before the object is deleted.', 'integer')];
        o.requestBody = { content: { '*/*': { schema: ref(`${META}DeleteOptions`) } } };
        o.responses = ok(`${META}Status`, ['200', '202']);
        break;
    }
    return o;
  };

  const self = { schema: r.schema, gvk };
  const listSchema = options.has(`${r.schema}List`) ? `${r.schema}List` : undefined;
  const paths: Record<string, Obj> = {
    [base]: {
      get: { ...op('get', 'list', idStem, self, `list or watch ${r.resource}`), responses: ok(listSchema) },
      post: op('post', 'create', idStem, self, `create one ${r.kind}`),
      parameters: [...scope, PRETTY],
    },
    [`${base}/{name}`]: {
      get: op('get', 'read', idStem, self, `get one ${r.kind} by name`),
      put: op('put', 'replace', idStem, self, `replace one ${r.kind} by name`),
      patch: op('patch', 'patch', idStem, self, `patch one ${r.kind} by name`),
      delete: op('delete', 'delete', idStem, self, `delete one ${r.kind} by name`),
      parameters: named,
    },
  };
  for (const sub of r.subresources ?? []) {
    const special = Object.hasOwn(SUBRESOURCE_BODIES, sub) ? SUBRESOURCE_BODIES[sub] : undefined;
    const body = special ?? (sub === 'status' ? self : undefined);
    if (!body) continue;
    const verbs: readonly Verb[] = special?.verbs ?? ['get', 'put', 'patch'];
    const item: Obj = { parameters: named };
    const id = `${idStem}${cap(sub)}`;
    for (const verb of verbs) {
      const action = { get: 'read', put: 'replace', patch: 'patch', post: 'create', delete: 'delete' }[verb];
      item[verb] = op(verb, action, id, body, `${action} the ${sub} subresource of one ${r.kind}`);
    }
    paths[`${base}/{name}/${sub}`] = item;
  }
  return paths;
}
