// A test image with a small in-cluster API client: busybox, the host's curl with every shared
// library `ldd` names, and `kubeclient`, a shell script that finds and authenticates to the API
// exactly as client-go's rest.InClusterConfig does. The image is written as an OCI archive for
// `peapod image import`, so no registry is involved.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildImageLayout } from './registry-fixture.ts';

export const KUBE_CLIENT_IMAGE = 'peapod-test/kubeclient:v1';
const CURL = '/usr/bin/curl';

/** Why the image cannot be built here, or false. */
export function kubeClientSkipReason(): string | false {
  return existsSync(CURL) ? false : `needs ${CURL} (bash scripts/install-deps.sh installs it)`;
}

// The API address from the kubernetes Service env, the ServiceAccount token as bearer, the server
// verified against the mounted ca.crt; lists the resource given in the pod's own namespace and
// prints the body, then the HTTP status on a line of its own.
const CLIENT = `#!/bin/sh
sa=/var/run/secrets/kubernetes.io/serviceaccount
if [ -z "$KUBERNETES_SERVICE_HOST" ] || [ -z "$KUBERNETES_SERVICE_PORT" ]; then
  echo "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined" >&2
  exit 1
fi
ns=$(cat $sa/namespace)
exec curl -sS --cacert $sa/ca.crt -H "Authorization: Bearer $(cat $sa/token)" -H "Accept: application/json" \\
  -w '\\n%{http_code}\\n' "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/$ns/$1"
`;

/** The binary and the libraries (with the dynamic loader) it loads, as paths on this host. */
function withLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  return [binary, ...new Set(libs)];
}

/** Writes the image as an OCI archive under `dir` and returns the archive's path. */
export async function buildKubeClientArchive(dir: string): Promise<string> {
  const files: Record<string, Buffer | string> = { 'usr/bin/kubeclient': CLIENT };
  const paths = withLibraries(CURL);
  for (const path of paths) files[path.slice(1)] = await readFile(path);
  const libDirs = [...new Set(paths.slice(1).map((p) => dirname(p)))];
  const loader = Object.keys(files).filter((p) => p.includes('/ld-linux'));
  const layout = await buildImageLayout(dir, {
    layers: [{ busybox: true }, { files, executable: ['usr/bin/kubeclient', 'usr/bin/curl', ...loader] }],
    config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', `LD_LIBRARY_PATH=${libDirs.join(':')}`] },
  });
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  for (const m of index.manifests) m.annotations = { 'io.containerd.image.name': KUBE_CLIENT_IMAGE };
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
  const archive = join(dir, 'kubeclient.tar');
  execFileSync('tar', ['-cf', archive, '-C', layout, '.']);
  return archive;
}
