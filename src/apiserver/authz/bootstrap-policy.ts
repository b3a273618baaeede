// Upstream's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), reduced to
// the resources Peapod serves or other clients commonly ask about. The server reconciles these
// objects at every start (create when missing; rules and subjects restored unless the object is
// annotated rbac.authorization.kubernetes.io/autoupdate=false), as kube-apiserver does.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { KUBELET_CONFIG_NAME, KUBELET_CONFIG_NAMESPACE } from '../../api/index.ts';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const G = 'rbac.authorization.k8s.io';

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

function role(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...LABELS, ...(extra.labels ?? {}) }, annotations: AUTOUPDATE },
    ...(extra.aggregateFrom
      ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/${extra.aggregateFrom}`]: 'true' } }] } }
      : {}),
    rules,
  };
}

type Subject = { kind: 'User' | 'Group'; name: string };
function binding(name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: LABELS, annotations: AUTOUPDATE },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName },
    subjects: subjects.map((s) => ({ ...s, apiGroup: G })),
  };
}

const viewCore = [
  'bindings',
  'configmaps',
  'endpoints',
  'events',
  'limitranges',
  'namespaces',
  'namespaces/status',
  'persistentvolumeclaims',
  'persistentvolumeclaims/status',
  'pods',
  'pods/log',
  'pods/status',
  'replicationcontrollers',
  'replicationcontrollers/scale',
  'replicationcontrollers/status',
  'resourcequotas',
  'resourcequotas/status',
  'serviceaccounts',
  'services',
  'services/status',
];
const appsRes = [
  'controllerrevisions',
  'daemonsets',
  'daemonsets/status',
  'deployments',
  'deployments/scale',
  'deployments/status',
  'replicasets',
  'replicasets/scale',
  'replicasets/status',
  'statefulsets',
  'statefulsets/scale',
  'statefulsets/status',
];
const batchRes = ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'];
const pdbRes = ['poddisruptionbudgets', 'poddisruptionbudgets/status'];
const netRes = ['ingresses', 'ingresses/status', 'networkpolicies'];

const aggregateToView = role(
  'system:aggregate-to-view',
  [
    rule(READ, [''], viewCore),
    rule(READ, ['apps'], appsRes),
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, ['batch'], batchRes),
    rule(READ, ['policy'], pdbRes),
    rule(READ, ['networking.k8s.io'], netRes),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  ],
  { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
);

const aggregateToEdit = role(
  'system:aggregate-to-edit',
  [
    rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
    rule(['impersonate'], [''], ['serviceaccounts']),
    rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
    rule(['create'], [''], ['pods/eviction', 'serviceaccounts/token']),
    rule(
      WRITE,
      [''],
      [
        'configmaps',
        'endpoints',
        'events',
        'persistentvolumeclaims',
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'secrets',
        'serviceaccounts',
        'services',
        'services/proxy',
      ],
    ),
    rule(
      WRITE,
      ['apps'],
      ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'],
    ),
    rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
    rule(WRITE, ['policy'], ['poddisruptionbudgets']),
    rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
    rule(WRITE, ['discovery.k8s.io'], ['endpointslices']),
  ],
  { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
);

const aggregateToAdmin = role(
  'system:aggregate-to-admin',
  [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule([...READ, ...WRITE], [G], ['rolebindings', 'roles'])],
  { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
);

const node = role('system:node', [
  rule(['create', 'get', 'list', 'watch', 'patch', 'update'], [''], ['nodes']),
  rule(['patch', 'update'], [''], ['nodes/status']),
  rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  rule(READ, [''], ['pods', 'services', 'endpoints']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['patch', 'update'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get'], [''], ['configmaps', 'secrets', 'persistentvolumeclaims', 'persistentvolumes', 'serviceaccounts']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  // Peapod's agent is the hands of the built-in local-path provisioner on its node: it watches the
  // volumes provisioned there and drops its clean-up finalizer once their directory is gone.
  rule(['list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
]);

/** Every ClusterRole the server keeps. */
export const BOOTSTRAP_CLUSTER_ROLES: ClusterRole[] = [
  role('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  role('admin', [], { aggregateFrom: 'aggregate-to-admin' }),
  role('edit', [], { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }, aggregateFrom: 'aggregate-to-edit' }),
  role('view', [], { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, aggregateFrom: 'aggregate-to-view' }),
  aggregateToAdmin,
  aggregateToEdit,
  aggregateToView,
  role('system:discovery', [
    urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/']),
  ]),
  role('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  role('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  role('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/readyz', '/readyz/*'])]),
  role('system:kube-scheduler', [
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
    rule(READ, [''], ['nodes', 'namespaces', 'persistentvolumeclaims', 'persistentvolumes', 'replicationcontrollers', 'services']),
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['create'], [''], ['bindings', 'pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, ['apps'], ['replicasets', 'statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, ['scheduling.k8s.io'], ['priorityclasses']),
    rule(READ, ['storage.k8s.io'], ['csidrivers', 'csinodes', 'csistoragecapacities', 'storageclasses']),
    // VolumeBinding's PreBind names the chosen node on WaitForFirstConsumer claims (upstream's system:volume-scheduler).
    rule(['patch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  // Upstream splits this across one ServiceAccount per controller (--use-service-account-credentials);
  // Peapod's controller manager runs its controllers under this one identity, so the role carries
  // what those controllers write: every workload kind, pods, nodes' taints/status, namespaces,
  // ServiceAccounts and the root CA ConfigMap, events, leases.
  role('system:kube-controller-manager', [
    rule(READ, ['*'], ['*']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update', 'patch'], ['coordination.k8s.io'], ['leases']),
    rule(
      [...WRITE],
      [''],
      [
        'pods',
        'pods/status',
        'pods/eviction',
        'pods/binding',
        'nodes',
        'nodes/status',
        'namespaces',
        'namespaces/status',
        'namespaces/finalize',
        'serviceaccounts',
        'configmaps',
        'secrets',
        'services',
        'services/status',
        'endpoints',
        'persistentvolumeclaims',
        'persistentvolumeclaims/status',
        'persistentvolumes',
        'persistentvolumes/status',
        'replicationcontrollers',
        'replicationcontrollers/status',
        'resourcequotas',
        'resourcequotas/status',
        'podtemplates',
      ],
    ),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule([...WRITE], ['apps'], ['*']),
    rule([...WRITE], ['batch'], ['*']),
    rule([...WRITE], ['policy'], ['*']),
    rule([...WRITE], ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule([...WRITE], ['discovery.k8s.io'], ['endpointslices']),
    rule([...WRITE], ['coordination.k8s.io'], ['leases']),
    // The aggregation controller writes rules it does not hold itself (upstream grants escalate).
    rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [G], ['clusterroles']),
    rule([...WRITE], ['apiextensions.k8s.io'], ['customresourcedefinitions', 'customresourcedefinitions/status']),
    rule(['delete', 'deletecollection', 'patch', 'update'], ['*'], ['*']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  node,
  // metrics-server's roles: everyone who may view may read usage (aggregated into view/edit/admin);
  // the scraper reads the agents' stats (Peapod's API server scrapes in-process with the node token).
  role('system:aggregated-metrics-reader', [rule(READ, ['metrics.k8s.io'], ['pods', 'nodes'])], {
    labels: {
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
    },
  }),
  role('system:metrics-server', [rule(['get'], [''], ['nodes/metrics', 'nodes/stats']), rule(READ, [''], ['nodes', 'pods'])]),
  // Peapod's join endpoint (upstream's bootstrappers create CSRs; see auth/node-bootstrap.ts).
  role('system:node-bootstrapper', [urls(['post'], ['/peapod/v1/node-credentials'])]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }]),
  binding('system:discovery', 'system:discovery', [{ kind: 'Group', name: 'system:authenticated' }]),
  binding('system:basic-user', 'system:basic-user', [{ kind: 'Group', name: 'system:authenticated' }]),
  binding('system:public-info-viewer', 'system:public-info-viewer', [
    { kind: 'Group', name: 'system:authenticated' },
    { kind: 'Group', name: 'system:unauthenticated' },
  ]),
  binding('system:monitoring', 'system:monitoring', [{ kind: 'Group', name: 'system:monitoring' }]),
  binding('system:kube-scheduler', 'system:kube-scheduler', [{ kind: 'User', name: 'system:kube-scheduler' }]),
  binding('system:kube-controller-manager', 'system:kube-controller-manager', [{ kind: 'User', name: 'system:kube-controller-manager' }]),
  binding('system:node', 'system:node', []),
  binding('system:node-bootstrapper', 'system:node-bootstrapper', [{ kind: 'Group', name: 'system:bootstrappers' }]),
];

/**
 * Namespaced bootstrap objects: as kubeadm, every node may read the cluster's kubelet settings
 * (`kube-system/kubelet-config`, the node lease duration the agents follow) and nothing else there.
 */
export const BOOTSTRAP_ROLES: Role[] = [
  {
    apiVersion: `${G}/v1`,
    kind: 'Role',
    metadata: { name: 'kubeadm:kubelet-config', namespace: KUBELET_CONFIG_NAMESPACE, labels: LABELS, annotations: AUTOUPDATE },
    rules: [rule(READ, [''], ['configmaps'], [KUBELET_CONFIG_NAME])],
  },
];

export const BOOTSTRAP_ROLE_BINDINGS: RoleBinding[] = [
  {
    apiVersion: `${G}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'kubeadm:kubelet-config', namespace: KUBELET_CONFIG_NAMESPACE, labels: LABELS, annotations: AUTOUPDATE },
    roleRef: { apiGroup: G, kind: 'Role', name: 'kubeadm:kubelet-config' },
    subjects: [{ apiGroup: G, kind: 'Group', name: 'system:nodes' }],
  },
];
