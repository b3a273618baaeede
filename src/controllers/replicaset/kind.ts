// The kind a ReplicaSet-style controller manages. ReplicaSet and ReplicationController differ only
// here (collection, apiVersion/kind, how the selector is read), so one controller serves both.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ResourceRef } from '../../client/index.ts';
import { resources } from '../../client/index.ts';
import { selectorMatcher, type LabelMatch } from '../../api/index.ts';

/** The fields both kinds share (RC's spec.selector is a plain map; see `selector`). */
export type ReplicatedObject = ReplicaSet;

export interface ReplicatedKind {
  readonly name: string;
  readonly ref: ResourceRef;
  readonly gvk: { apiVersion: string; kind: string };
  selector(obj: ReplicatedObject): LabelMatch;
}

export const replicaSetKind: ReplicatedKind = {
  name: 'replicaset',
  ref: resources.replicasets,
  gvk: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  selector: (rs) => selectorMatcher(rs.spec?.selector),
};

/** core/v1 ReplicationController: spec.selector is a plain label map (matchLabels only). */
export const replicationControllerKind: ReplicatedKind = {
  name: 'replicationcontroller',
  ref: resources.replicationcontrollers,
  gvk: { apiVersion: 'v1', kind: 'ReplicationController' },
  selector: (rc) => {
    const sel = rc.spec?.selector as unknown as Record<string, string> | undefined;
    return selectorMatcher(sel && Object.keys(sel).length > 0 ? { matchLabels: sel } : undefined);
  },
};
