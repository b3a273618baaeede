export type {
  ContainerInfo,
  ContainerResources,
  ContainerRuntime,
  ContainerSecurity,
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  ExecIO,
  Mount,
  PortMapping,
  Sandbox,
  SandboxConfig,
} from './types.ts';
export { ConmonRuntime, type ConmonRuntimeOptions } from './conmon-runtime.ts';
export { buildOciSpec, cpuResources, processArgs, processEnv, InvalidContainerSpecError, type OciSpec, type OciSpecInput } from './oci-spec.ts';
export { selectOciRuntime, crunUsable, type OciRuntimeBinary, type OciRuntimePreference } from './select-runtime.ts';
export { containerCapabilities, DEFAULT_CAPABILITIES } from './capabilities.ts';
export { resolveUser } from './user.ts';
