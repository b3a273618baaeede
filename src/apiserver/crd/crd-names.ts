// Which names of a definition are accepted (apiextensions-apiserver's naming controller): a name
// the definition already had stays; a new one is accepted unless another definition of the same
// group holds it. The result drives NamesAccepted and Established.
import type { Crd, CrdCondition, CrdNames } from './crd-types.ts';
import { condition } from './crd-types.ts';

export interface NamesResult {
  acceptedNames: CrdNames;
  namesAccepted: CrdCondition;
  established: CrdCondition;
}

export function computeNames(crd: Crd, others: readonly Crd[]): NamesResult {
  const group = crd.spec?.group;
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const o of others) {
    if (o.spec?.group !== group) continue;
    const n = o.status?.acceptedNames ?? {};
    for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
    for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
  }
  const requested = crd.spec?.names ?? {};
  const accepted = crd.status?.acceptedNames ?? {};
  const next: CrdNames = { ...accepted };
  let failure: { reason: string; message: string } | undefined;
  const check = (reason: string, want: string | undefined, had: string | undefined, used: Set<string>): boolean => {
    if (want === had || !want || !used.has(want)) return true;
    failure ??= { reason, message: `"${want}" is already in use` };
    return false;
  };
  if (check('PluralConflict', requested.plural, accepted.plural, resources)) next.plural = requested.plural;
  if (check('SingularConflict', requested.singular, accepted.singular, resources)) next.singular = requested.singular;
  const shortOk = (requested.shortNames ?? []).every((s) => (accepted.shortNames ?? []).includes(s) || check('ShortNamesConflict', s, undefined, resources));
  if (shortOk) next.shortNames = requested.shortNames;
  if (check('KindConflict', requested.kind, accepted.kind, kinds)) next.kind = requested.kind;
  if (check('ListKindConflict', requested.listKind, accepted.listKind, kinds)) next.listKind = requested.listKind;
  // Categories cannot conflict.
  next.categories = requested.categories;
  for (const k of Object.keys(next) as (keyof CrdNames)[]) if (next[k] === undefined) delete next[k];

  const namesAccepted: CrdCondition = failure
    ? { type: 'NamesAccepted', status: 'False', reason: failure.reason, message: failure.message }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const wasEstablished = condition(crd, 'Established');
  const established: CrdCondition =
    wasEstablished?.status === 'True'
      ? wasEstablished
      : failure
        ? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }
        : { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  return { acceptedNames: next, namesAccepted, established };
}
