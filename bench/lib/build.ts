// Which build `bin/peapod.js` runs in the server processes a benchmark starts: the compiled dist/
// when it is at least as new as every file under src/ (and PEAPOD_FROM_SOURCE is not 1), else the
// TypeScript sources through tsx. Mirrors bin/peapod.js's own check so every table can say which
// build produced its figures (tsx's loader costs start-up time and memory).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './server-process.ts';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** 'compiled dist/' or 'tsx source' (with the reason when dist/ exists but is not used). */
export function serverBuild(env: NodeJS.ProcessEnv = process.env): string {
  const stamp = join(REPO_ROOT, 'dist', '.tsbuildinfo');
  if (env.PEAPOD_FROM_DIST === '1' && existsSync(stamp)) return 'compiled dist/';
  if (env.PEAPOD_FROM_SOURCE === '1') return 'tsx source (PEAPOD_FROM_SOURCE=1)';
  if (!existsSync(stamp)) return 'tsx source (no dist/; npx tsc -p tsconfig.build.json builds it)';
  if (statSync(stamp).mtimeMs < newestSource(join(REPO_ROOT, 'src'))) return 'tsx source (dist/ older than src/)';
  return 'compiled dist/';
}
