// Subresources other than status: pods/binding here; streaming ones (log, exec, attach,
// portforward, proxy) belong to the node agent and are served by the agent proxy when present.
import { ApiError, badRequest, conflict, methodNotAllowed, notFound } from '../errors.ts';
import { decodeBody, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import type { KObject } from '../registry/types.ts';
import { rfc3339 } from '../../api/index.ts';
import type { RequestScope } from '../context.ts';
import { writeOptions } from './object-io.ts';
import { serveScale } from './scale.ts';
import { serveEviction } from './eviction.ts';
import { SHARED_SHAPE } from '../../util/index.ts';

export type SubresourceHandler = (scope: RequestScope) => Promise<void>;

export async function serveSubresource(scope: RequestScope): Promise<void> {
  const { info, handle } = scope;
  const key = `${handle.entry.group}/${handle.entry.resource}/${info.subresource}`;
  const extra = scope.ctx.subresources.get(key);
  if (extra) return extra(scope);
  if (key === '/pods/binding') return serveBinding(scope);
  if (key === '/pods/eviction') return serveEviction(scope);
  if (key === '/namespaces/finalize') return serveNamespaceFinalize(scope);
  if (info.subresource === 'scale' && handle.entry.subresources?.some((s) => s.name === 'scale')) return serveScale(scope);
  throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

interface Binding {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string; apiVersion?: string };
}

/** POST pods/x/binding: sets spec.nodeName once and marks PodScheduled=True (as upstream). */
async function serveBinding(scope: RequestScope): Promise<void> {
  if (scope.req.method !== 'POST') throw methodNotAllowed();
  const body = decodeBody(await readBody(scope.req), scope.req.headers['content-type']) as Binding;
  const name = scope.info.name!;
  if (body?.metadata?.name && body.metadata.name !== name) throw badRequest('name in URL does not match name in Binding object');
  const nodeName = body?.target?.name;
  if (!nodeName) throw badRequest('Binding.target.name: Required value');
  if (body.target?.kind && body.target.kind !== 'Node') throw badRequest(`Binding.target.kind: Unsupported value: "${body.target.kind}"`);
  const ref = { group: '', resource: 'pods/binding' };
  const { dryRun, user } = writeOptions(scope);
  const now = rfc3339(scope.ctx.clock.now());
  await scope.handle.store
    .guaranteedUpdate(
      scope.info.namespace,
      name,
      (pod: KObject) => {
        const spec = (pod.spec ?? {}) as { nodeName?: string };
        if (pod.metadata?.deletionTimestamp) throw conflict(ref, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        if (spec.nodeName) throw conflict(ref, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
        spec.nodeName = nodeName;
        pod.spec = spec;
        if (body.metadata?.annotations) {
          pod.metadata = { ...pod.metadata, annotations: { ...(pod.metadata?.annotations ?? {}), ...body.metadata.annotations } };
        }
        const status = (pod.status ?? {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string; lastProbeTime?: null }[] };
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
        pod.status = { ...SHARED_SHAPE, ...status, conditions };
        return pod;
      },
      { dryRun, user, subresource: 'binding' },
    )
    .catch((e: unknown) => {
      if (e instanceof ApiError && e.code === 404) throw notFound({ group: '', resource: 'pods' }, name);
      throw e;
    });
  sendJson(scope.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/**
 * PUT namespaces/x/finalize: replaces spec.finalizers only (as upstream FinalizeREST). A
 * terminating namespace whose last finalizer goes is deleted by this update (store DeleteHooks).
 */
async function serveNamespaceFinalize(scope: RequestScope): Promise<void> {
  if (scope.req.method !== 'PUT') throw methodNotAllowed();
  const body = decodeBody(await readBody(scope.req), scope.req.headers['content-type']) as KObject;
  const spec = (body?.spec ?? {}) as { finalizers?: unknown };
  const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers.filter((f): f is string => typeof f === 'string') : [];
  const { dryRun, user } = writeOptions(scope);
  const { object } = await scope.handle.store.guaranteedUpdate(
    undefined,
    scope.info.name!,
    (ns: KObject) => ({ ...ns, spec: { ...((ns.spec ?? {}) as object), finalizers } }),
    { dryRun, user, subresource: 'finalize' },
  );
  sendJson(scope.res, 200, object);
}
