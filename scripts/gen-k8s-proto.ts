// Build step: derive the protobuf field table of the built-in Kubernetes kinds from the kubectl binary
// on this machine (it embeds every k8s.io generated.proto as a gzipped FileDescriptorProto), and write
// generated/k8s-proto-fields.json (gitignored). The API server uses it to accept the protobuf request
// bodies that kubectl's typed clients send (`kubectl create configmap`, `expose`, ...).
//
// Fails soft: with no usable kubectl it prints a warning, writes nothing and exits 0; the server then
// answers protobuf bodies with 415 as before. `PEAPOD_KUBECTL=/path/to/kubectl` picks the binary.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProtoTable, extractK8sFileDescriptors } from '../src/apiserver/protobuf/descriptors.ts';
import { applyJsonNames, type OpenApiProperties } from '../src/apiserver/protobuf/json-names.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'generated/k8s-proto-fields.json');
const OPENAPI = join(ROOT, 'generated/openapi-schemas.json');
/** Without this file the table cannot decode any core kind; a binary lacking it is not the real kubectl. */
const CORE = 'k8s.io/api/core/v1/generated.proto';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return realpathSync(p);
  }
  return undefined;
}

/** Minor version kubectl reports, e.g. "1.32" (gcloud's dispatcher execs `kubectl.1.32` beside itself). */
function clientMinor(bin: string): string | undefined {
  try {
    const out = execFileSync(bin, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 20_000 });
    const v = (JSON.parse(out) as { clientVersion?: { major?: string; minor?: string } }).clientVersion;
    return v?.major && v.minor ? `${v.major}.${v.minor.replace(/\D+$/, '')}` : undefined;
  } catch {
    return undefined;
  }
}

/** The resolved kubectl first, then its versioned siblings: the one it reports first, then newest first. */
function candidates(): string[] {
  const explicit = process.env.PEAPOD_KUBECTL;
  if (explicit) return [explicit];
  const bin = onPath('kubectl');
  if (!bin) return [];
  const dir = dirname(bin);
  const minor = clientMinor(bin);
  const siblings = readdirSync(dir)
    .filter((f) => /^kubectl\.\d+\.\d+$/.test(f))
    .sort((a, b) => {
      const [, am = 0, an = 0] = a.split('.').map(Number);
      const [, bm = 0, bn = 0] = b.split('.').map(Number);
      return bm - am || bn - an;
    })
    .map((f) => join(dir, f));
  const preferred = minor ? siblings.filter((s) => s.endsWith(`kubectl.${minor}`)) : [];
  return [...new Set([...preferred, bin, ...siblings])];
}

function main(): void {
  for (const bin of candidates()) {
    let files: Buffer[];
    try {
      files = extractK8sFileDescriptors(readFileSync(bin));
    } catch {
      continue;
    }
    const names = files.map((f) => f.subarray(2, 2 + (f[1] ?? 0)).toString('utf8'));
    if (!names.includes(CORE)) continue;
    const table = buildProtoTable(files, bin);
    if (existsSync(OPENAPI)) {
      const { schemas } = JSON.parse(readFileSync(OPENAPI, 'utf8')) as { schemas: Record<string, OpenApiProperties> };
      const changes = applyJsonNames(table, schemas);
      if (process.env.PEAPOD_VERBOSE) console.log(changes.join('\n'));
    } else {
      console.warn(`peapod: warning: ${OPENAPI} is missing; inline fields (Volume.volumeSource, ...) will not be flattened`);
    }
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(table)}\n`);
    console.log(`peapod: protobuf field table from ${bin}: ${files.length} proto files, ${Object.keys(table.messages).length} messages`);
    return;
  }
  console.warn('peapod: warning: no kubectl binary with Kubernetes protobuf descriptors found; protobuf request bodies will get 415');
}

main();
