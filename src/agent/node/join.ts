// Joining a cluster with the join token (`peapod agent --token <node-token>`): the agent keeps an
// ECDSA key in its data dir and asks the server (POST /peapod/v1/node-credentials, authorized for
// bootstrappers only) to sign it into a client certificate for system:node:<name>. The certificate
// is kept beside the key and reused while it is valid for more than a day and names this node.
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { request } from 'node:https';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../../util/tls/index.ts';
import { splitServers } from '../../client/index.ts';

export interface JoinOptions {
  readonly server: string;
  readonly token: string;
  readonly ca?: string;
  readonly nodeName: string;
  readonly dataDir: string;
}

export interface NodeClientCredentials {
  readonly cert: string;
  readonly key: string;
}

const KEY_FILE = 'node-client.key';
const CERT_FILE = 'node-client.crt';
const DAY_MS = 24 * 60 * 60 * 1000;

function usable(certPem: string, keyPem: string, nodeName: string, ca: string | undefined): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (Date.parse(cert.validTo) - DAY_MS < Date.now()) return false;
    if (ca && !cert.verify(new X509Certificate(ca).publicKey)) return false;
    return cert.subject.split('\n').includes(`CN=system:node:${nodeName}`);
  } catch {
    return false;
  }
}

function post(url: URL, body: string, opts: JoinOptions): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: opts.ca,
        headers: { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** `opts.server` may list several servers (comma-separated): the first that answers signs. */
async function postToAny(body: string, opts: JoinOptions): Promise<{ status: number; text: string }> {
  let lastError: unknown;
  for (const server of splitServers(opts.server)) {
    try {
      return await post(new URL('/peapod/v1/node-credentials', server), body, opts);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/** This node's client credentials: the kept ones when still usable, else freshly signed by the server. */
export async function joinCluster(opts: JoinOptions): Promise<NodeClientCredentials> {
  const keyPath = join(opts.dataDir, KEY_FILE);
  const certPath = join(opts.dataDir, CERT_FILE);
  let key = await readFileIfExists(keyPath);
  const cert = await readFileIfExists(certPath);
  if (key && cert && usable(cert, key, opts.nodeName, opts.ca)) return { cert, key };
  if (!key) {
    key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFileAtomic(keyPath, key, { mode: 0o600 });
  }
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const res = await postToAny(JSON.stringify({ nodeName: opts.nodeName, publicKey }), opts);
  if (res.status !== 201) {
    let message = res.text;
    try {
      message = (JSON.parse(res.text) as { message?: string }).message ?? res.text;
    } catch {
      // not a Status: keep the text
    }
    throw new Error(`joining the cluster failed (HTTP ${res.status}): ${message}`);
  }
  const signed = (JSON.parse(res.text) as { certificate?: string }).certificate;
  if (!signed) throw new Error('joining the cluster failed: no certificate in the answer');
  await writeFileAtomic(certPath, signed, { mode: 0o644 });
  return { cert: signed, key };
}
