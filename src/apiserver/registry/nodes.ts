// core/v1 Node. Nodes may set status on create (agents register with it); updates of the main
// resource keep the old status.
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { isValidLabelValue, validateLabelName } from '../validation/labels.ts';
import { since } from './age.ts';
import { ageColumn, clone, column, view, writable } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const node = (obj: KObject): Node => view<Node>(obj);

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const LABEL_NODE_ROLE = 'kubernetes.io/role';
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** STATUS as upstream printNode: Ready/NotReady/Unknown, plus SchedulingDisabled. */
export function nodeStatus(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (n.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

export function nodeRoles(n: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === LABEL_NODE_ROLE && v) roles.add(v);
  }
  return [...roles].sort();
}

function address(n: Node, type: string): string {
  return (n.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

function validateTaints(taints: Taint[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const p = `${path}[${i}]`;
    errs.push(...validateLabelName(t.key ?? '', `${p}.key`));
    if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(fieldErrors.invalid(`${p}.value`, t.value, m));
    if (!t.effect) errs.push(fieldErrors.required(`${p}.effect`));
    else if (!taintEffects.includes(t.effect)) errs.push(fieldErrors.notSupported(`${p}.effect`, t.effect, taintEffects));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) {
      errs.push(fieldErrors.duplicate(p, { key: t.key, effect: t.effect }));
    }
    seen.add(key);
  });
  return errs;
}

function validateNode(n: Node): FieldError[] {
  return validateTaints(n.spec?.taints ?? [], 'spec.taints');
}

function validateNodeUpdate(n: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0 && JSON.stringify(n.spec?.podCIDRs ?? []) !== JSON.stringify(oldCIDRs)) {
    errs.push(fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && n.spec?.providerID !== old.spec.providerID) {
    errs.push(fieldErrors.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

export const nodes: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  resource: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  schema: 'io.k8s.api.core.v1.Node',
  columns: [
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
  ],
  row(obj, ctx) {
    const n = node(obj);
    const info = n.status?.nodeInfo;
    const roles = nodeRoles(n).join(',');
    return [
      nodeStatus(n),
      roles || '<none>',
      since(n.metadata?.creationTimestamp, ctx),
      info?.kubeletVersion ?? '',
      address(n, 'InternalIP'),
      address(n, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
  fieldSelectors: {
    'spec.unschedulable': (o) => String(node(o).spec?.unschedulable === true),
  },
  defaults(obj) {
    // SetDefaults_NodeStatus: allocatable defaults to capacity.
    const status = node(obj).status;
    if (status?.capacity && !status.allocatable) writable(status).allocatable = { ...status.capacity };
  },
  prepareForUpdate(obj, old) {
    const status = node(old).status;
    if (status === undefined) delete obj.status;
    else obj.status = clone(status);
  },
  validate: (obj) => validateNode(node(obj)),
  validateUpdate: (obj, old) => validateNodeUpdate(node(obj), node(old)),
  hasStatus: true,
};
