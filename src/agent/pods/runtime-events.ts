import type { ContainerRuntime } from '../runtime/index.ts';

/**
 * Optional runtime extension: push container exits instead of being polled. The hollow runtime
 * has it; for runtimes without it the pod workers relist periodically (kubelet's PLEG).
 */
export interface ContainerExitSource {
  /** Listener calls are asynchronous to the call that caused the exit. Returns unsubscribe. */
  onContainerExit(listener: (podUid: string, id: string) => void): () => void;
}

export function exitSource(runtime: ContainerRuntime): ContainerExitSource | undefined {
  const r = runtime as ContainerRuntime & Partial<ContainerExitSource>;
  return typeof r.onContainerExit === 'function' ? (r as ContainerRuntime & ContainerExitSource) : undefined;
}
