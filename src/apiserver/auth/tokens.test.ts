import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_USER, TokenAuthenticator, ensureAdminToken } from './index.ts';

describe('ensureAdminToken', () => {
  it('creates a random 0600 token once and reads it back afterwards', async () => {
    const root = await mkdtemp(join(tmpdir(), 'peapod-token-'));
    try {
      const dir = join(root, 'state');
      const token = await ensureAdminToken(dir);
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(await ensureAdminToken(dir), token);
      assert.equal((await readFile(join(dir, 'admin.token'), 'utf8')).trim(), token);
      assert.equal((await stat(join(dir, 'admin.token'))).mode & 0o777, 0o600);
      assert.notEqual(await ensureAdminToken(join(root, 'other')), token);

      await writeFile(join(dir, 'admin.token'), '\n');
      const replaced = await ensureAdminToken(dir);
      assert.notEqual(replaced, '');
      assert.notEqual(replaced, token);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('TokenAuthenticator', () => {
  const auth = new TokenAuthenticator([['s3cret', ADMIN_USER]]);
  auth.addToken('node-token', { name: 'system:node:n1', groups: ['system:nodes'] });

  it('maps bearer tokens to users, adding system:authenticated', () => {
    assert.deepEqual(auth.authenticate('Bearer s3cret'), { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
    assert.deepEqual(auth.authenticate('bearer node-token'), { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
    assert.equal(auth.authenticate('  BEARER s3cret  ')?.name, 'system:admin');
  });

  it('rejects missing, malformed and unknown credentials', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic s3cret', 's3cret', 'Bearer  s3cret', 'Bearer wrong']) {
      assert.equal(auth.authenticate(header), undefined, JSON.stringify(header));
    }
  });

  it('supports adding, replacing and removing tokens', () => {
    const a = new TokenAuthenticator();
    assert.equal(a.authenticate('Bearer t'), undefined);
    a.addToken('t', { name: 'u1', groups: [] });
    a.addToken('t', { name: 'u2', groups: ['g'] });
    assert.deepEqual(a.authenticate('Bearer t'), { name: 'u2', groups: ['g', 'system:authenticated'] });
    assert.equal(a.removeToken('t'), true);
    assert.equal(a.authenticate('Bearer t'), undefined);
    assert.throws(() => a.addToken('', ADMIN_USER), /empty bearer token/);
  });
});
