// core/v1 Event (the legacy events API kubectl and the kubelet use).
import type { Event } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../errors.ts';
import { isQualifiedName } from '../validation/labels.ts';
import { isDNS1123Subdomain } from '../validation/names.ts';
import { since } from './age.ts';
import { column, view } from './common.ts';
import type { KObject, ResourceEntry, StrategyContext } from './types.ts';

const ev = (obj: KObject): Event => view<Event>(obj);

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

function tooLongText(field: string, limit: number): FieldError {
  return fieldErrors.invalid(field, '', `can have at most ${limit} characters`);
}

/** Upstream legacyValidateEvent for requests to core/v1. */
function validateEvent(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = e.metadata?.namespace ?? '';
  const involvedNs = e.involvedObject?.namespace ?? '';
  if (!e.eventTime) {
    if (involvedNs === '' ? namespace !== '' && namespace !== 'default' : namespace !== involvedNs) {
      errs.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (involvedNs === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
    const controller = e.reportingComponent ?? '';
    if (!controller) errs.push(fieldErrors.required('reportingComponent'));
    for (const m of isQualifiedName(controller)) errs.push(fieldErrors.invalid('reportingComponent', controller, m));
    const instance = e.reportingInstance ?? '';
    if (!instance) errs.push(fieldErrors.required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(tooLongText('reportingInstance', REPORTING_INSTANCE_LIMIT));
    if (!e.action) errs.push(fieldErrors.required('action'));
    if ((e.action ?? '').length > ACTION_LIMIT) errs.push(tooLongText('action', ACTION_LIMIT));
    if (!e.reason) errs.push(fieldErrors.required('reason'));
    if ((e.reason ?? '').length > REASON_LIMIT) errs.push(tooLongText('reason', REASON_LIMIT));
    if ((e.message ?? '').length > NOTE_LIMIT) errs.push(tooLongText('message', NOTE_LIMIT));
  }
  for (const m of isDNS1123Subdomain(namespace)) errs.push(fieldErrors.invalid('namespace', namespace, m));
  return errs;
}

function source(e: Event): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** Upstream printEvent: LAST SEEN falls back to first seen; series overrides count and last seen. */
export function eventRow(e: Event, ctx: StrategyContext): unknown[] {
  const first = e.firstTimestamp ? since(e.firstTimestamp, ctx) : since(e.eventTime, ctx);
  let last = e.lastTimestamp ? since(e.lastTimestamp, ctx) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, ctx);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    target,
    e.involvedObject?.fieldPath ?? '',
    source(e),
    (e.message ?? '').trim(),
    first,
    count,
    e.metadata?.name ?? '',
  ];
}

export const events: ResourceEntry = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: 'io.k8s.api.core.v1.Event',
  // Upstream's event table has no leading Name column (Name is last, wide only): see tableIncludesName.
  tableIncludesName: true,
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'The object that this event is about.'),
    column(
      'Subobject',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
      { priority: 1 },
    ),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    column('Count', 'The number of times this event has occurred.', { priority: 1 }),
    {
      ...column(
        'Name',
        'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
        { priority: 1 },
      ),
      format: 'name',
    },
  ],
  row: (obj, ctx) => eventRow(ev(obj), ctx),
  fieldSelectors: {
    'involvedObject.kind': (o) => ev(o).involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => ev(o).involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => ev(o).involvedObject?.name ?? '',
    'involvedObject.uid': (o) => ev(o).involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => ev(o).involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => ev(o).involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => ev(o).involvedObject?.fieldPath ?? '',
    reason: (o) => ev(o).reason ?? '',
    reportingComponent: (o) => ev(o).reportingComponent ?? '',
    source: (o) => ev(o).source?.component ?? '',
    type: (o) => ev(o).type ?? '',
  },
  validate: (obj) => validateEvent(ev(obj)),
};
