// Shapes shared by every part of the client. Objects stay loosely typed (`KubeObject`) at this
// layer; callers narrow with the `kubernetes-types` kinds through the generic parameters.

import type { ListMeta, ObjectMeta, Status } from 'kubernetes-types/meta/v1.d.ts';

export type { ObjectMeta, Status };

/** Addresses one REST collection: `/api/v1/pods` or `/apis/apps/v1/deployments`. */
export interface ResourceRef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, lower case. */
  readonly resource: string;
  readonly namespaced: boolean;
}

/** Any object the API serves. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream. For ERROR the object is a metav1.Status. */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: Status };

export type { DeleteOptions } from '../api/index.ts';

/** What the client logs through; pino loggers satisfy it. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.info(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
