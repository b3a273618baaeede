import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isMountPoint } from '../images/rootfs.ts';
import { prepareHostPath, resolveSubPath, setUpEmptyDir, tearDownVolumeDir, writeVolumeFiles } from './index.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

describe('volumes', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-vol-'));
  });
  after(async () => {
    await tearDownVolumeDir(join(dir, 'mem'));
    await rm(dir, { recursive: true, force: true });
  });

  test('emptyDir on disk is a world-writable directory and teardown removes it', async () => {
    const v = join(dir, 'disk');
    await setUpEmptyDir(v);
    assert.equal((await stat(v)).isDirectory(), true);
    await tearDownVolumeDir(v);
    await tearDownVolumeDir(v);
    await assert.rejects(stat(v));
  });

  test('emptyDir medium Memory is a tmpfs with the size limit', { skip: skipUnlessCI(process.getuid?.() !== 0 && 'needs root to mount tmpfs') }, async () => {
    const v = join(dir, 'mem');
    await setUpEmptyDir(v, { medium: 'Memory', sizeLimitBytes: 1024 * 1024 });
    assert.equal(await isMountPoint(v), true);
    await assert.rejects(writeFile(join(v, 'big'), Buffer.alloc(2 * 1024 * 1024)), /ENOSPC/);
    await tearDownVolumeDir(v);
    assert.equal(await isMountPoint(v), false);
  });

  test('hostPath type checks with kubelet wording, and *OrCreate creates', async () => {
    await prepareHostPath(join(dir, 'new-dir'), 'DirectoryOrCreate');
    assert.equal((await stat(join(dir, 'new-dir'))).isDirectory(), true);
    await prepareHostPath(join(dir, 'sub/new-file'), 'FileOrCreate');
    assert.equal((await stat(join(dir, 'sub/new-file'))).isFile(), true);
    await prepareHostPath(join(dir, 'new-dir'), 'Directory');
    await assert.rejects(prepareHostPath(join(dir, 'new-dir'), 'File'), { message: `hostPath type check failed: ${join(dir, 'new-dir')} is not a file` });
    await assert.rejects(prepareHostPath(join(dir, 'nope'), 'Directory'), /does not exist/);
    await assert.rejects(prepareHostPath(join(dir, 'new-dir'), 'Socket'), /is not a socket file/);
    await assert.rejects(prepareHostPath(join(dir, 'sub/new-file'), 'DirectoryOrCreate'), /is not a directory/);
    await prepareHostPath(join(dir, 'whatever'), '');
  });

  test('configMap/secret files: modes, nested items, atomic update drops removed keys', async () => {
    const v = join(dir, 'cm');
    await writeVolumeFiles(
      v,
      [
        { path: 'a', content: 'one' },
        { path: 'conf/b.yaml', content: 'two', mode: 0o600 },
      ],
      { defaultMode: 0o640 },
    );
    assert.equal(await readFile(join(v, 'a'), 'utf8'), 'one');
    assert.equal(await readFile(join(v, 'conf/b.yaml'), 'utf8'), 'two');
    assert.equal((await stat(join(v, 'a'))).mode & 0o777, 0o640);
    assert.equal((await stat(join(v, 'conf/b.yaml'))).mode & 0o777, 0o600);
    await writeVolumeFiles(v, [{ path: 'a', content: 'uno' }]);
    assert.equal(await readFile(join(v, 'a'), 'utf8'), 'uno');
    await assert.rejects(stat(join(v, 'conf')));
    assert.equal((await readdir(v)).filter((e) => e.startsWith('..')).length, 2, '..data and one generation');
    await assert.rejects(writeVolumeFiles(v, [{ path: '../escape', content: 'x' }]), /may not contain/);
  });

  test('subPath resolves inside the volume, creates it, and refuses escapes', async () => {
    const v = join(dir, 'sp');
    await mkdir(v);
    assert.equal(await resolveSubPath(v, undefined), v);
    const p = await resolveSubPath(v, 'a/b');
    assert.equal((await stat(p)).isDirectory(), true);
    await assert.rejects(resolveSubPath(v, '../x'), /must not contain/);
    await assert.rejects(resolveSubPath(v, '/etc'), /relative/);
    await symlink('/etc', join(v, 'link'));
    await assert.rejects(resolveSubPath(v, 'link'), /outside the volume/);
  });
});
