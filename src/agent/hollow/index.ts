export { HollowRuntime, HOLLOW_EXIT_AFTER, HOLLOW_EXIT_CODE, type HollowRuntimeOptions } from './hollow-runtime.ts';
export { HollowPodStorage } from './hollow-storage.ts';
export { IpPool } from './ip-pool.ts';
export { SharedPodInformer } from './shared-pods.ts';
export { SharedConfigMaps } from './shared-configmaps.ts';
