export { cgroupUsageSource, detectCgroupLayout, parseKeyValues, parseNodeReading, readCgroup, type CgroupLayout } from './cgroup-source.ts';
export { hollowUsageSource, hollowUsage, HOLLOW_CPU_MILLICORES, HOLLOW_MEMORY_BYTES } from './hollow-source.ts';
export { RateTracker } from './rate-tracker.ts';
export { renderResourceMetrics } from './resource-metrics.ts';
export { createStatsProvider, type StatsProvider, type StatsProviderOptions } from './stats-provider.ts';
export { runtimeStatsProvider } from './runtime-stats.ts';
export type * from './types.ts';
