// `peapod image import` and `peapod image ls` through the real CLI, on a `docker save` archive
// made here (one layer), into a temporary agent data dir.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { humanSize } from './image-command.ts';

const PEAPOD = resolve(import.meta.dirname, '../../bin/peapod.js');
let dir: string;

function peapod(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [PEAPOD, ...args], (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peapod-image-cli-'));
  const arch = join(dir, 'arch');
  await mkdir(join(dir, 'layer', 'etc'), { recursive: true });
  await writeFile(join(dir, 'layer', 'etc', 'motd'), 'hello\n');
  await mkdir(join(arch, 'l1'), { recursive: true });
  execFileSync('tar', ['-cf', join(arch, 'l1/layer.tar'), '-C', join(dir, 'layer'), '.']);
  const diffId = `sha256:${createHash('sha256')
    .update(readFileSync(join(arch, 'l1/layer.tar')))
    .digest('hex')}`;
  await writeFile(join(arch, 'cfg.json'), JSON.stringify({ config: { Cmd: ['cat', '/etc/motd'] }, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  await writeFile(
    join(arch, 'manifest.json'),
    JSON.stringify([{ Config: 'cfg.json', RepoTags: ['example.com/motd:v1', 'motd:latest'], Layers: ['l1/layer.tar'] }]),
  );
  execFileSync('tar', ['-cf', join(dir, 'motd.tar'), '-C', arch, '.']);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('image import shows progress lines off a terminal, then image ls lists every name', async () => {
  const data = join(dir, 'agent');
  const imp = await peapod(['image', 'import', join(dir, 'motd.tar'), '--data-dir', data]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stderr, /^extracting .*motd\.tar\n\[1\/1\] layer [0-9a-f]{12}\nimported example\.com\/motd:v1, motd:latest\n$/);
  assert.equal(imp.stdout, 'Loaded image: example.com/motd:v1, motd:latest\n');
  const ls = await peapod(['image', 'ls', '--data-dir', data]);
  assert.equal(ls.code, 0, ls.stderr);
  const lines = ls.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
  assert.match(lines[1] ?? '', /^example\.com\/motd\s+v1\s+[0-9a-f]{12}\s+\d+(\.\d+)?k?B$/);
  assert.match(lines[2] ?? '', /^motd\s+latest\s+[0-9a-f]{12}\s+/);
  assert.equal(lines.length, 3);
});

test('a missing archive is an error, not a crash with a stack', async () => {
  const r = await peapod(['image', 'import', join(dir, 'nope.tar'), '--data-dir', join(dir, 'agent')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `peapod image import: open ${join(dir, 'nope.tar')}: no such file\n`);
});

test('sizes read like docker', () => {
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(2_100_000), '2.1MB');
  assert.equal(humanSize(14_500_000), '14.5MB');
  assert.equal(humanSize(123_000_000), '123MB');
});
