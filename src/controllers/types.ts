// What every controller gets from the manager: its API client, the shared informers, a clock,
// a logger and an event recorder. Controllers register their informers when created and start
// working in run(), after the manager has started and synced the informers.
import type { Clock, Client, EventRecorder, InformerFactory, Logger } from '../client/index.ts';

export interface ControllerDeps {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  /** Worker loops per controller (default 5, as kube-controller-manager's --concurrent-*-syncs). */
  readonly workers?: number;
}

export interface Controller {
  readonly name: string;
  /** Runs until `signal` aborts; resolves once every worker has stopped. */
  run(signal: AbortSignal): Promise<void>;
}

/** kubernetes-types marks server-set fields readonly; controllers build those objects. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
