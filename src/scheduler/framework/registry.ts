import type { AnyPlugin, Handle } from './interfaces.ts';

/** Builds one plugin instance for one profile. `args` is the plugin's config from the profile. */
export type PluginFactory = (handle: Handle, args: unknown) => AnyPlugin;

/** Plugin name → factory. Out-of-tree plugins are added by merging maps. */
export type Registry = ReadonlyMap<string, PluginFactory>;

export class UnknownPluginError extends Error {
  constructor(name: string) {
    super(`plugin "${name}" does not exist`);
    this.name = 'UnknownPluginError';
  }
}

export function mergeRegistries(...regs: Registry[]): Registry {
  const out = new Map<string, PluginFactory>();
  for (const r of regs) for (const [k, v] of r) out.set(k, v);
  return out;
}
