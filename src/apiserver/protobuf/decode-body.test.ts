// Decodes the protobuf bodies the real kubectl sends and compares them with the JSON the same kubectl
// prints for the same command with --dry-run=client (the JSON path). Bodies are captured by pointing
// kubectl at a tiny plain-HTTP recorder on 127.0.0.1; needs kubectl and generated/k8s-proto-fields.json.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../errors.ts';
import { decodeProtobufBody, loadProtoTable } from './index.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const table = loadProtoTable();
let server: Server;
let port = 0;
let dir: string;
let captured: Buffer | undefined;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [`--server=http://127.0.0.1:${port}`, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
    );
  });
}

/** The protobuf body kubectl POSTs for `args`. */
async function capture(args: string[]): Promise<Buffer> {
  captured = undefined;
  await run(args);
  assert.ok(captured, `kubectl ${args.join(' ')} sent no body`);
  return captured;
}

/** Nulls are how Go prints unset pointers; the decoder leaves them out instead. */
function withoutNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

const skip = skipUnlessCI(table ? false : 'generated/k8s-proto-fields.json is missing (no kubectl at install time)');

describe('protobuf request bodies from kubectl', { skip }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peapod-proto-'));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST') {
          assert.equal(req.headers['content-type'], 'application/vnd.kubernetes.protobuf');
          captured = Buffer.concat(chunks);
        }
        res.writeHead(req.method === 'POST' ? 201 : 404, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, string[]][] = [
    ['configmap', ['create', 'configmap', 'cm', '--from-literal=a=b', '--from-literal=empty=']],
    ['secret generic', ['create', 'secret', 'generic', 's', '--from-literal=password=s3cr3t!', '--type=Opaque']],
    ['secret docker-registry', ['create', 'secret', 'docker-registry', 'r', '--docker-server=x', '--docker-username=u', '--docker-password=p']],
    ['namespace', ['create', 'namespace', 'ns1']],
    ['serviceaccount', ['create', 'serviceaccount', 'sa1']],
    ['deployment with zero replicas', ['create', 'deployment', 'd', '--image=busybox:1.36', '--replicas=0', '--port=80']],
    ['deployment with two images', ['create', 'deployment', 'd2', '--image=busybox', '--image=nginx']],
    ['job', ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi']],
    ['cronjob', ['create', 'cronjob', 'c', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']],
    ['service clusterip', ['create', 'service', 'clusterip', 'web', '--tcp=8080:80', '--tcp=9090:9091']],
    ['service nodeport', ['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080']],
    ['service externalname', ['create', 'service', 'externalname', 'ext', '--external-name=example.com']],
    ['priorityclass', ['create', 'priorityclass', 'pc', '--value=10', '--description=important', '--global-default=false']],
    ["priorityclass with value 0 (a required field's zero is kept)", ['create', 'priorityclass', 'zero', '--value=0']],
    ['pdb with a percentage', ['create', 'pdb', 'p', '--selector=app=x', '--min-available=50%']],
    ['pdb with a number', ['create', 'pdb', 'p2', '--selector=app=x', '--max-unavailable=1']],
    ['quota', ['create', 'quota', 'q', '--hard=cpu=1,memory=1Gi,pods=2']],
    ['ingress (inline IngressRuleValue)', ['create', 'ingress', 'i', '--rule=foo.com/bar=svc1:8080']],
  ];
  for (const [name, args] of cases) {
    it(`${name}: same object as kubectl's JSON`, async () => {
      const body = await capture(args);
      const dash = args.indexOf('--');
      const flags = ['--dry-run=client', '-o', 'json'];
      const dryRun = dash < 0 ? [...args, ...flags] : [...args.slice(0, dash), ...flags, ...args.slice(dash)];
      const expected = JSON.parse((await run(dryRun)).stdout) as { [key: string]: Json };
      const got = decodeProtobufBody(body, { table }) as { [key: string]: Json };
      // Go prints value-type status counters as 0 where the decoder, like Go's decoder, leaves them unset.
      delete expected.status;
      delete got.status;
      assert.deepEqual(withoutNulls(got), withoutNulls(expected));
    });
  }

  it('configmap binaryData and secret data are base64 of the exact bytes', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
    await writeFile(join(dir, 'blob'), bytes);
    const cm = decodeProtobufBody(await capture(['create', 'configmap', 'b', `--from-file=blob=${join(dir, 'blob')}`]), { table }) as {
      binaryData: Record<string, string>;
    };
    assert.deepEqual(Buffer.from(cm.binaryData.blob!, 'base64'), bytes);
    const s = decodeProtobufBody(await capture(['create', 'secret', 'generic', 'sb', `--from-file=blob=${join(dir, 'blob')}`]), { table }) as {
      data: Record<string, string>;
    };
    assert.deepEqual(Buffer.from(s.data.blob!, 'base64'), bytes);
  });

  it('a kind without a protobuf schema is a 415; malformed bytes are a 400', async () => {
    const body = await capture(['create', 'configmap', 'cm', '--from-literal=a=b']);
    // Rewrite the envelope's kind ("ConfigMap" → "ConfigMaq"): same length, so the framing holds.
    const renamed = Buffer.from(body.toString('latin1').replace('ConfigMap', 'ConfigMaq'), 'latin1');
    const code = (pattern: RegExp, status: number) => (e: unknown) => e instanceof ApiError && e.status.code === status && pattern.test(e.message);
    assert.throws(() => decodeProtobufBody(renamed, { table }), code(/no protobuf schema for ConfigMaq in v1/, 415));
    assert.throws(() => decodeProtobufBody(body.subarray(0, body.length - 3), { table }), code(/unable to decode protobuf body/, 400));
    assert.throws(() => decodeProtobufBody(Buffer.from('{"kind":"ConfigMap"}'), { table }), code(/not a protobuf message/, 400));
    assert.throws(() => decodeProtobufBody(body, { table: null }), code(/no protobuf field table/, 415));
  });
});
