export { canonicalStatus, computePodStatus } from './pod-status.ts';
export { getPhase, type PodPhase } from './phase.ts';
export type { ObservedContainer, PodObservation, WaitingReason } from './types.ts';
