// Runs one benchmark on each storage backend (`--backend sqlite,etcd`, default both when etcd is
// installed) and prints their headline figures side by side. etcd is a real single member on
// loopback started for the run (src/storage/etcd/etcd-process.ts) and removed at cleanup.
import { execFileSync } from 'node:child_process';
import { startEtcd } from '../../src/storage/etcd/etcd-process.ts';
import { onCleanup } from './cleanup.ts';
import { formatNumber, type Figure } from './figures.ts';
import { renderTable } from './table.ts';

export type BackendName = 'sqlite' | 'etcd';

export function parseBackends(value: string | boolean | undefined): BackendName[] {
  if (typeof value !== 'string') return etcdInstalled() ? ['sqlite', 'etcd'] : ['sqlite'];
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) if (n !== 'sqlite' && n !== 'etcd') throw new Error(`--backend: unknown backend ${JSON.stringify(n)} (sqlite, etcd)`);
  return names as BackendName[];
}

/** `peapod server` flags that put it on `backend` (starting etcd when needed). */
export async function backendServerArgs(backend: BackendName): Promise<string[]> {
  if (backend === 'sqlite') return [];
  const etcd = await startEtcd();
  onCleanup(
    () => etcd.close(),
    () => etcd.members.forEach((m) => void m.kill()),
  );
  return ['--etcd-servers', etcd.endpoints.join(',')];
}

/**
 * Calls `run` once per backend. Figures of the first backend keep their names (so CSV history
 * stays comparable); the others get ` [<backend>]` appended. Prints one table: figure × backend.
 */
export async function runOnBackends(
  backends: readonly BackendName[],
  run: (backend: BackendName, serverArgs: string[]) => Promise<Figure[]>,
): Promise<Figure[]> {
  const all: Figure[] = [];
  const byBackend = new Map<BackendName, Figure[]>();
  for (const [i, backend] of backends.entries()) {
    const figures = await run(backend, await backendServerArgs(backend));
    byBackend.set(backend, figures);
    all.push(...(i === 0 ? figures : figures.map((f) => ({ ...f, name: `${f.name} [${backend}]` }))));
  }
  if (backends.length > 1) {
    const first = byBackend.get(backends[0]!) ?? [];
    const rows = first
      .filter((f) => !f.detail)
      .map((f) => [f.name, f.unit, ...backends.map((b) => formatNumber(byBackend.get(b)?.find((g) => g.name === f.name)?.value ?? Number.NaN))]);
    process.stdout.write(`\nby storage backend\n${renderTable(['figure', 'unit', ...backends], rows)}\n`);
  }
  return all;
}

function etcdInstalled(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
