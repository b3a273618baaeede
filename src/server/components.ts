// The components `peapod server` runs by default, in start order. Each issue that adds one adds a
// line here (and a --disable-<name> flag in cli/server-command.ts).
import type { Component } from './component.ts';
import { embeddedAgent, type EmbeddedAgentFlags } from '../agent/embedded-agent.ts';
import { schedulerComponent } from '../scheduler/index.ts';
import { controllerManagerComponent } from '../controllers/index.ts';

export interface ComponentFlags {
  readonly disabled: ReadonlySet<string>;
  readonly agent?: EmbeddedAgentFlags;
}

export function defaultComponents(flags: ComponentFlags): Component[] {
  const all: Component[] = [schedulerComponent, controllerManagerComponent, embeddedAgent(flags.agent)];
  return all.filter((c) => !flags.disabled.has(c.name));
}
