// apiextensions.k8s.io/v1 CustomResourceDefinition. The entry validates and defaults definitions;
// serving them is the CRD controller's job (crd/crd-controller.ts), which turns an accepted
// definition into registry entries at run time and keeps status.conditions/acceptedNames.
// Deleting a definition adds the cleanup finalizer, so its objects are deleted before it goes.
import { CLEANUP_FINALIZER, type Crd } from '../crd/crd-types.ts';
import { validateCrd, validateCrdUpdate } from '../crd/crd-validation.ts';
import type { DeleteHooks } from '../store/generic-store.ts';
import { column, view } from './common.ts';
import type { KObject, ResourceEntry } from './types.ts';

const crd = (obj: KObject): Crd => view<Crd>(obj);

export const customresourcedefinitions: ResourceEntry & DeleteHooks = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  schema: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  columns: [column('Created At', 'CreationTimestamp is the time the definition was created.', { type: 'date' })],
  row: (obj) => [obj.metadata?.creationTimestamp ?? ''],
  hasStatus: true,
  hasGeneration: true,
  defaults(obj) {
    const spec = crd(obj).spec;
    if (!spec) return;
    const names = spec.names;
    if (names?.kind) {
      names.singular ||= names.kind.toLowerCase();
      names.listKind ||= `${names.kind}List`;
    }
    spec.conversion ??= { strategy: 'None' };
    for (const v of spec.versions ?? []) {
      v.served ??= false;
      v.storage ??= false;
    }
  },
  prepareForCreate(obj) {
    crd(obj).status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
  },
  validate: (obj) => validateCrd(crd(obj)),
  validateUpdate: (obj, old) => validateCrdUpdate(crd(obj), crd(old)),
  prepareForDelete(obj) {
    // As upstream's REST.Delete: the cleanup finalizer makes deletion wait for the objects to go.
    const meta = (obj.metadata ??= {});
    if (!(meta.finalizers ?? []).includes(CLEANUP_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), CLEANUP_FINALIZER];
    return true;
  },
};
