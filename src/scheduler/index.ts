export { createScheduler } from './scheduler.ts';
export type { Scheduler, SchedulerHost, SchedulerOptions, PodScheduledCondition } from './scheduler.ts';
export { DEFAULT_PROFILE, DEFAULT_SCHEDULER_NAME, type Profile } from './framework/profile.ts';
export { inTreeRegistry } from './plugins/index.ts';
export { fitErrorMessage, type FitError, type Diagnosis } from './framework/fit-error.ts';
export type { Status, Code } from './framework/status.ts';
export { realClock, FakeClock, type Clock } from './clock.ts';
export { REASON_SCHEDULING_GATED, MESSAGE_SCHEDULING_GATED } from './plugins/scheduling-gates/scheduling-gates.ts';
export { SYSTEM_PRIORITY_CLASSES } from './framework/pod-info.ts';
