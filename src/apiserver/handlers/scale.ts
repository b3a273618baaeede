// The `scale` subresource (autoscaling/v1 Scale) of any resource whose entry declares it:
// GET builds a Scale from spec.replicas / status.replicas / spec.selector; PUT and PATCH (merge,
// JSON, strategic) change spec.replicas only, through the main resource's update path so the
// generation bumps and validation runs. `kubectl scale` sends a merge patch here.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { ApiError, badRequest, fieldErrors, invalid, methodNotAllowed, unsupportedMediaType } from '../errors.ts';
import { decodeBody, mediaType, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError, type Json } from '../patch/index.ts';
import { formatLabelSelector } from '../registry/apps-common.ts';
import { isRecord } from '../registry/common.ts';
import type { KObject, ResourceEntry } from '../registry/types.ts';
import type { RequestScope } from '../context.ts';
import { writeOptions } from './object-io.ts';

const SCALE_SCHEMA = 'io.k8s.api.autoscaling.v1.Scale';

interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: Record<string, unknown>;
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

type ScalePaths = NonNullable<ResourceEntry['scalePaths']>;

/** `.spec.replicas` → the value there (custom resources name their own paths). */
function readPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.replace(/^\./, '').split('.')) cur = isRecord(cur) ? cur[part] : undefined;
  return cur;
}

function writePath(obj: KObject, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    cur = cur[part] = isRecord(next) ? { ...next } : {};
  }
  cur[parts[parts.length - 1]!] = value;
}

function customScale(obj: KObject, paths: ScalePaths): Scale {
  const m = obj.metadata ?? {};
  const spec = readPath(obj, paths.specReplicasPath);
  const status = readPath(obj, paths.statusReplicasPath);
  const selector = paths.labelSelectorPath ? readPath(obj, paths.labelSelectorPath) : undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: { replicas: typeof status === 'number' ? status : 0, ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

function toScale(obj: KObject, paths?: ScalePaths): Scale {
  if (paths) return customScale(obj, paths);
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const status = isRecord(obj.status) ? obj.status : {};
  const m = obj.metadata ?? {};
  // ReplicationController's selector is a plain label map, the others' a LabelSelector.
  const raw = spec.selector;
  const selector: LabelSelector | undefined =
    isRecord(raw) && raw.matchLabels === undefined && raw.matchExpressions === undefined
      ? { matchLabels: raw as Record<string, string> }
      : (raw as LabelSelector | undefined);
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      ...(selector ? { selector: formatLabelSelector(selector) } : {}),
    },
  };
}

function patched(type: string, scale: Scale, body: Json, scope: RequestScope): unknown {
  try {
    const doc = scale as unknown as Json;
    if (type === 'application/json-patch+json') return applyJsonPatch(doc, body);
    if (type === 'application/merge-patch+json') return applyMergePatch(doc, body);
    if (type === 'application/strategic-merge-patch+json') {
      return applyStrategicMergePatch(doc, body, { schema: SCALE_SCHEMA, navigator: scope.ctx.schemas.navigator });
    }
  } catch (e) {
    if (e instanceof PatchError) throw new ApiError(422, 'Invalid', e.message);
    throw e;
  }
  throw unsupportedMediaType(type);
}

export async function serveScale(scope: RequestScope): Promise<void> {
  const { handle, info, req } = scope;
  const name = info.name!;
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    sendJson(scope.res, 200, toScale(await handle.store.get(info.namespace, name), handle.entry.scalePaths));
    return;
  }
  if (method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed();
  const type = mediaType(req.headers['content-type']);
  if (method === 'PATCH' && type === 'application/apply-patch+yaml') throw unsupportedMediaType(type);
  const body = decodeBody(await readBody(req), req.headers['content-type']) as Json;
  const { dryRun, user } = writeOptions(scope);
  const { object } = await handle.store.guaranteedUpdate(
    info.namespace,
    name,
    (live) => {
      const paths = handle.entry.scalePaths;
      const before = toScale(live, paths);
      const desired = method === 'PUT' ? body : patched(type, before, body, scope);
      if (!isRecord(desired)) throw badRequest('the body of the request was in an unknown format');
      const d = desired as Partial<Scale>;
      const replicas = d.spec?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid('autoscaling', 'Scale', name, [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      }
      let obj: KObject;
      if (paths) {
        obj = { ...live };
        writePath(obj, paths.specReplicasPath, replicas);
      } else {
        obj = { ...live, spec: { ...(isRecord(live.spec) ? live.spec : {}), replicas } };
      }
      // A resourceVersion in a PUT body is a precondition, as for the main resource.
      const rv = method === 'PUT' && isRecord(d.metadata) ? d.metadata.resourceVersion : undefined;
      obj.metadata = { ...live.metadata, resourceVersion: typeof rv === 'string' && rv ? rv : undefined };
      return obj;
    },
    { dryRun, user },
  );
  sendJson(scope.res, 200, toScale(object, handle.entry.scalePaths));
}
