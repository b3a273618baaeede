// core/v1 PodTemplate: a stored pod template (upstream registry/core/podtemplate). Defaulted and
// validated like the templates inside workloads; no restartPolicy restriction.
import type { PodTemplate } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.ts';
import { defaultTemplate } from './apps-common.ts';
import { column, view } from './common.ts';
import { validatePodSpec } from './pods/pod-validation.ts';
import type { KObject, ResourceEntry } from './types.ts';

const pt = (obj: KObject): PodTemplate => view<PodTemplate>(obj);

function validatePodTemplate(t: PodTemplate): FieldError[] {
  if (!t.template) return [fieldErrors.required('template')];
  return validatePodSpec(t.template.spec, 'template.spec');
}

export const podtemplates: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  listKind: 'PodTemplateList',
  resource: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.PodTemplate',
  columns: [
    column('Containers', 'Names of each container in the template.'),
    column('Images', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'The labels for the pod template.'),
  ],
  row(obj) {
    const cs = pt(obj).template?.spec?.containers ?? [];
    const labels = pt(obj).template?.metadata?.labels ?? {};
    return [
      cs.map((c) => c.name).join(','),
      cs.map((c) => c.image ?? '').join(','),
      Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`)
        .join(',') || '<none>',
    ];
  },
  defaults: (obj) => defaultTemplate(pt(obj).template as Parameters<typeof defaultTemplate>[0]),
  validate: (obj) => validatePodTemplate(pt(obj)),
  hasGeneration: false,
};
