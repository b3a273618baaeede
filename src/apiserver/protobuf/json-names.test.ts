// The generated table names every field of the kinds kubectl creates as the OpenAPI schema does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiName, type OpenApiProperties } from './json-names.ts';
import { loadProtoTable } from './proto-table.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

const table = loadProtoTable();
const schemas = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../../../generated/openapi-schemas.json', import.meta.url)), 'utf8')) as {
    schemas: Record<string, OpenApiProperties>;
  }
).schemas;

/** Every JSON property the decoder can produce for `type`, walking into nested messages. */
function check(type: string, seen: Set<string>, problems: string[]): void {
  if (seen.has(type) || !table) return;
  seen.add(type);
  const msg = table.messages[type];
  const props = schemas[openApiName(type)]?.properties;
  if (!msg || !props) return;
  const names = (t: string | undefined): string[] => Object.values(table.messages[t ?? '']?.f ?? {}).flatMap((f) => (f.i ? names(f.m) : [f.n]));
  for (const name of names(type)) if (!(name in props)) problems.push(`${type}.${name}`);
  for (const f of Object.values(msg.f)) {
    const child = f.m && table.messages[f.m];
    if (!child) continue;
    if (child.map) check(child.f['2']?.m ?? '', seen, problems);
    else check(f.m!, seen, problems);
  }
}

describe('JSON names in the generated protobuf table', { skip: skipUnlessCI(table ? false : 'generated/k8s-proto-fields.json is missing') }, () => {
  const kinds = [
    'k8s.io.api.core.v1.Pod',
    'k8s.io.api.core.v1.ConfigMap',
    'k8s.io.api.core.v1.Secret',
    'k8s.io.api.core.v1.Namespace',
    'k8s.io.api.core.v1.ServiceAccount',
    'k8s.io.api.core.v1.Service',
    'k8s.io.api.core.v1.Binding',
    'k8s.io.api.apps.v1.Deployment',
    'k8s.io.api.batch.v1.Job',
    'k8s.io.api.batch.v1.CronJob',
    'k8s.io.api.policy.v1.Eviction',
    'k8s.io.api.core.v1.PersistentVolume',
  ];
  for (const kind of kinds) {
    it(`${kind}: every field, nested ones included, is an OpenAPI property`, () => {
      const problems: string[] = [];
      check(kind, new Set(), problems);
      assert.deepEqual(problems, []);
    });
  }

  it('Deployment maxSurge is an IntOrString, Secret data is bytes', () => {
    const rolling = Object.values(table!.messages['k8s.io.api.apps.v1.RollingUpdateDeployment']!.f).find((f) => f.n === 'maxSurge');
    assert.equal(rolling?.m, 'k8s.io.apimachinery.pkg.util.intstr.IntOrString');
    const data = Object.values(table!.messages['k8s.io.api.core.v1.Secret']!.f).find((f) => f.n === 'data');
    assert.equal(table!.messages[data!.m!]!.f['2']!.t, 'bytes');
  });
});
