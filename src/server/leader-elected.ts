// Runs a component only while this server holds its Lease in kube-system, so several `peapod
// server` processes on one etcd have exactly one active scheduler and one controller manager
// (as kube-scheduler and kube-controller-manager do with --leader-elect). start() returns at once:
// the API serves whether or not this process leads.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type LeaderElectionTimings, runLeaderElection } from '../client/index.ts';
import type { Component } from './component.ts';

/** Components that elect a leader, and the Lease each one uses (upstream names). */
export const ELECTED_COMPONENTS: Readonly<Record<string, string>> = {
  scheduler: 'kube-scheduler',
  'controller-manager': 'kube-controller-manager',
};

export interface LeaderElectionFlags extends LeaderElectionTimings {
  /** --leader-elect (default true, as upstream). */
  readonly enabled: boolean;
}

/** Wraps the components that upstream runs under leader election; others pass through. */
export function withLeaderElection(components: readonly Component[], flags: LeaderElectionFlags): Component[] {
  if (!flags.enabled) return [...components];
  return components.map((c) => {
    const lease = ELECTED_COMPONENTS[c.name];
    return lease ? leaderElected(c, lease, flags) : c;
  });
}

export function leaderElected(component: Component, leaseName: string, timings: LeaderElectionTimings): Component {
  let running: Promise<void> = Promise.resolve();
  return {
    name: component.name,
    // The election and the component act as the component's own identity (its RBAC role).
    identity: component.identity,
    // Resolves after the lease was handed back, so a clean stop lets the next leader start at once.
    stopped: () => running,
    async start(ctx) {
      const identity = `${hostname()}_${randomUUID()}`;
      const client = ctx.newClient(`peapod-${component.name}-leader-election`);
      ctx.log(`${component.name}: attempting to acquire leader lease kube-system/${leaseName}`, { identity });
      // A free lease is taken on the first attempt: then start() returns once the component runs,
      // as it would without election (a lone server is ready with its scheduler running).
      let firstRound!: (error?: unknown) => void;
      const ready = new Promise<void>((resolve, reject) => (firstRound = (error) => (error === undefined ? resolve() : reject(error))));
      running = runLeaderElection(
        {
          ...timings,
          client,
          namespace: 'kube-system',
          name: leaseName,
          identity,
          log: (msg, fields) => ctx.log(`${component.name}: ${msg}`, fields),
          onNewLeader: (holder) => ctx.log(`${component.name}: new leader elected`, { holder, self: holder === identity }),
          onFirstAttempt: (acquired) => {
            if (!acquired) firstRound();
          },
          onStartedLeading: async (signal) => {
            // A component that fails to start on the first round fails the server start, as unelected.
            await component.start({ ...ctx, signal }).then(
              () => firstRound(),
              (error: unknown) => {
                firstRound(error);
                throw error;
              },
            );
          },
        },
        ctx.signal,
      );
      await ready;
    },
  };
}
