// core/v1 Service. Pieces live in services/: defaults, validation, printer. ClusterIPs and
// NodePorts are allocated by the store hooks of apiserver/services/service-allocator.ts.
import type { Service } from 'kubernetes-types/core/v1.js';
import { nameIsDNS1035Label } from '../validation/names.ts';
import { keepStatus } from './apps-common.ts';
import { view } from './common.ts';
import { defaultService, dropTypeDependentFields, prepareServiceForCreate } from './services/service-defaults.ts';
import { serviceColumns, serviceRow } from './services/service-printer.ts';
import { validateService, validateServiceUpdate } from './services/service-validation.ts';
import type { KObject, ResourceEntry } from './types.ts';

const svc = (obj: KObject): Service => view<Service>(obj);

export const services: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  resource: 'services',
  singular: 'service',
  namespaced: true,
  nameValidator: nameIsDNS1035Label,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  schema: 'io.k8s.api.core.v1.Service',
  columns: serviceColumns,
  row: (obj, ctx) => serviceRow(svc(obj), ctx),
  fieldSelectors: {
    'spec.clusterIP': (o) => svc(o).spec?.clusterIP ?? '',
    'spec.type': (o) => svc(o).spec?.type ?? '',
  },
  defaults: (obj) => defaultService(svc(obj)),
  prepareForCreate: (obj) => prepareServiceForCreate(svc(obj)),
  prepareForUpdate(obj, old) {
    keepStatus(obj, old);
    if ((svc(obj).spec?.type ?? 'ClusterIP') !== (svc(old).spec?.type ?? 'ClusterIP')) dropTypeDependentFields(svc(obj), svc(old));
  },
  validate: (obj) => validateService(svc(obj)),
  validateUpdate: (obj, old) => validateServiceUpdate(svc(obj), svc(old)),
  hasStatus: true,
};
