#!/usr/bin/env node
// Entry point. Runs the compiled build in dist/ when it is at least as new as every source file
// (scripts/install-deps.sh builds it; it starts faster and uses less memory), otherwise runs the
// TypeScript sources through tsx's loader, so an edit is never shadowed by a stale build.
// PEAPOD_FROM_DIST=1 runs dist/ whatever its age (a benchmark pins the build it started with, so a
// source edit during a long run does not switch its later processes to tsx).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const pinned = process.env.PEAPOD_FROM_DIST === '1' && existsSync(stamp);
const fresh = pinned || (process.env.PEAPOD_FROM_SOURCE !== '1' && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(join(root, 'src')));
if (fresh) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
