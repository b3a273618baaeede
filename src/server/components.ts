// The components `peapod server` runs by default, in start order. Each issue that adds one adds a
// line here (and a --disable-<name> flag in cli/server-command.ts).
import type { Component } from './component.ts';

export interface ComponentFlags {
  readonly disabled: ReadonlySet<string>;
}

export function defaultComponents(flags: ComponentFlags): Component[] {
  const all: Component[] = [];
  return all.filter((c) => !flags.disabled.has(c.name));
}
