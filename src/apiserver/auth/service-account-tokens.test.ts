import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceAccountTokens, serviceAccountUser } from './service-account-tokens.ts';

describe('ServiceAccount tokens', () => {
  it('verifies its own tokens until they expire, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peapod-sa-'));
    try {
      const tokens = await ServiceAccountTokens.open(dir);
      const other = await ServiceAccountTokens.open(join(dir, 'other'));
      const now = new Date('2026-01-01T00:00:00Z');
      const { token, expiration } = tokens.issue({
        namespace: 'dev',
        serviceAccount: { name: 'reader', uid: 'u1' },
        pod: { name: 'p', uid: 'u2' },
        expirationSeconds: 3607,
        now,
      });
      assert.equal(expiration.getTime() - now.getTime(), 3607_000);
      const claims = tokens.verify(token, now);
      assert.equal(claims?.sub, 'system:serviceaccount:dev:reader');
      assert.deepEqual(serviceAccountUser(claims!).groups, ['system:serviceaccounts', 'system:serviceaccounts:dev']);
      assert.equal(tokens.verify(token, new Date(now.getTime() + 3608_000)), undefined, 'expired');
      assert.equal(other.verify(token, now), undefined, 'foreign key');
      assert.equal(tokens.verify(token, now, ['other-audience']), undefined, 'audience');
      const [h, p, s] = token.split('.');
      const tampered = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      tampered.sub = 'system:serviceaccount:kube-system:admin';
      assert.equal(tokens.verify(`${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${s}`, now), undefined, 'tampered');
      for (const junk of ['', 'a.b.c', '...', `${h}.${p}`, 'x'.repeat(20_000)]) assert.equal(tokens.verify(junk, now), undefined);
      // The key persists: a reopened issuer accepts earlier tokens.
      assert.ok((await ServiceAccountTokens.open(dir)).verify(token, now));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
