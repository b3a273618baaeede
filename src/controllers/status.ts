// Writing a workload's status subresource, the same way for every controller: a PUT of the object
// with its new status. A vanished object needs no status; a Conflict is thrown so the workqueue
// retries with backoff and the next sync reads the newer object.
import { isNotFound, type resources, type Client, type KubeObject } from '../client/index.ts';

type Ref = (typeof resources)[keyof typeof resources];

export async function writeStatus<T extends KubeObject>(client: Client, ref: Ref, obj: T, status: unknown, signal: AbortSignal): Promise<void> {
  try {
    await client.update(ref, obj.metadata?.namespace, { ...obj, status }, { subresource: 'status', signal });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
}
