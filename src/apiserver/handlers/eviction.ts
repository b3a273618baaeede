// POST pods/<name>/eviction (policy/v1 Eviction): a delete that honours PodDisruptionBudgets, as
// upstream's EvictionREST. A pod covered by one PDB is deleted only when the budget's status allows
// a disruption; the budget's disruptionsAllowed is decremented and the pod recorded in
// status.disruptedPods first, so concurrent evictions cannot overdraw it before the disruption
// controller recomputes. `kubectl drain` retries the 429 every 5 s.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { ApiError, badRequest, forbidden, methodNotAllowed, notFound } from '../errors.ts';
import { decodeBody, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import { labelSelectorFromObject } from '../../api/index.ts';
import type { DeleteOptions, KObject } from '../registry/types.ts';
import { rfc3339 } from '../../api/index.ts';
import type { RequestScope } from '../context.ts';
import { writeOptions } from './object-io.ts';

const BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Upstream caps status.disruptedPods; beyond it evictions are refused until the controller catches up. */
const MAX_DISRUPTED_PODS = 2000;

interface Eviction {
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: DeleteOptions;
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Pods whose deletion cannot hurt availability are evicted without consulting budgets. */
function canIgnoreBudget(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.metadata?.deletionTimestamp) || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
}

function budgetError(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', BUDGET_MESSAGE, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

export async function serveEviction(scope: RequestScope): Promise<void> {
  if (scope.req.method !== 'POST') throw methodNotAllowed();
  const body = decodeBody(await readBody(scope.req), scope.req.headers['content-type']) as Eviction | undefined;
  const name = scope.info.name!;
  const namespace = scope.info.namespace;
  if (body?.metadata?.name && body.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  if (body?.metadata?.namespace && namespace && body.metadata.namespace !== namespace) {
    throw badRequest('namespace in URL does not match namespace in Eviction object');
  }
  const options: DeleteOptions = body?.deleteOptions ?? {};
  const { dryRun: queryDry, user } = writeOptions(scope);
  const dryRun = queryDry || (options.dryRun ?? []).includes('All');
  const pods = scope.handle.store;
  const pod = (await pods.get(namespace, name)) as Pod;
  const uid = pod.metadata?.uid;
  // The pod checked against the budget must be the one deleted.
  const deleteOptions: DeleteOptions = { ...options, preconditions: { uid, ...options.preconditions } };

  if (!canIgnoreBudget(pod)) {
    const pdbHandle = scope.ctx.byGroupResource('policy', 'poddisruptionbudgets');
    const budgets = pdbHandle
      ? ((await pdbHandle.store.list(namespace)).items as PodDisruptionBudget[]).filter((b) => {
          try {
            const m = labelSelectorFromObject(b.spec?.selector);
            return !m.empty && m.matches(pod.metadata?.labels);
          } catch {
            return false;
          }
        })
      : [];
    if (budgets.length > 1) {
      throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    }
    const budget = budgets[0];
    if (pdbHandle && budget) {
      const policy = budget.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
      const status = budget.status;
      const unhealthyOk =
        !isReady(pod) &&
        (policy === 'AlwaysAllow' ||
          (status !== undefined && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0));
      if (!unhealthyOk) {
        await pdbHandle.store.guaranteedUpdate(
          namespace,
          budget.metadata?.name ?? '',
          (live: KObject) => {
            const b = live as PodDisruptionBudget;
            const s = b.status;
            const bname = b.metadata?.name ?? '';
            if ((s?.observedGeneration ?? 0) < (b.metadata?.generation ?? 0)) {
              throw budgetError(`The disruption budget ${bname} is still being processed by the server.`);
            }
            const allowed = s?.disruptionsAllowed ?? 0;
            if (allowed < 0) throw forbidden('pdb disruptions allowed is negative');
            if (Object.keys(s?.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
              throw forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
            }
            if (allowed === 0) {
              throw budgetError(`The disruption budget ${bname} needs ${s?.desiredHealthy ?? 0} healthy pods and has ${s?.currentHealthy ?? 0} currently`);
            }
            const disruptedPods = { ...(s?.disruptedPods ?? {}), [name]: rfc3339(scope.ctx.clock.now()) };
            return { ...live, status: { ...s, disruptionsAllowed: allowed - 1, disruptedPods } } as KObject;
          },
          { dryRun, subresource: 'status' },
        );
      }
    }
  }

  try {
    await pods.delete(namespace, name, deleteOptions, { dryRun, user });
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) throw notFound({ group: '', resource: 'pods' }, name);
    throw e;
  }
  sendJson(scope.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
