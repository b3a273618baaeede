import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJsonList } from './respond.ts';

async function bodyOf(envelope: Record<string, unknown>, field: string, array: unknown[]): Promise<string> {
  const server = createServer((_req, res) => void sendJsonList(res, envelope, field, array));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.close();
  }
}

describe('sendJsonList', () => {
  it('streams a long list as exactly the JSON.stringify of the whole object', async () => {
    const items = Array.from({ length: 1234 }, (_, i) => ({ metadata: { name: `p${i}`, labels: { a: '[]' } }, spec: { list: [] } }));
    const envelope = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: '[]' } };
    assert.equal(await bodyOf(envelope, 'items', items), JSON.stringify({ ...envelope, items }));
  });

  it('keeps a Table envelope whose columns hold arrays', async () => {
    const rows = Array.from({ length: 600 }, (_, i) => ({ cells: [`n${i}`, []] }));
    const envelope = { kind: 'Table', columnDefinitions: [{ name: 'Name' }], metadata: {} };
    assert.equal(await bodyOf(envelope, 'rows', rows), JSON.stringify({ ...envelope, rows }));
  });

  it('sends short lists in one piece', async () => {
    assert.equal(await bodyOf({ kind: 'List' }, 'items', [1, 2, 3]), '{"kind":"List","items":[1,2,3]}');
  });
});
