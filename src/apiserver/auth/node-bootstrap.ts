// Joining nodes (`peapod agent --token <node-token>`): the server writes a join token to
// `<data-dir>/node-token` (as k3s does); it authenticates as a bootstrapper (group
// system:bootstrappers) whose only right, through RBAC, is POST /peapod/v1/node-credentials. That
// endpoint signs the agent's public key into a client certificate for `system:node:<name>` in
// group `system:nodes` — upstream's bootstrap-token + CSR flow reduced to one request. The agent
// keeps its private key; from then on it acts with its node identity only.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { badRequest, fieldErrors, invalid } from '../errors.ts';
import { decodeBody, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import { readFileIfExists, writeFileAtomic } from '../../util/tls/index.ts';
import { isDNS1123Subdomain } from '../validation/names.ts';
import { isRecord } from '../registry/common.ts';
import { issueClientCert, parsePublicKey } from './client-certs.ts';
import type { UserInfo } from './tokens.ts';

export const NODE_TOKEN_FILE = 'node-token';
export const NODE_CREDENTIALS_PATH = '/peapod/v1/node-credentials';
export const BOOTSTRAP_USER: UserInfo = { name: 'system:bootstrap:node-token', groups: ['system:bootstrappers'] };

/** The join token in `dir/node-token`, created (0600) on first use. */
export async function ensureNodeToken(dir: string): Promise<string> {
  const path = join(dir, NODE_TOKEN_FILE);
  const existing = (await readFileIfExists(path))?.trim();
  if (existing) return existing;
  const token = `K10${randomBytes(32).toString('base64url')}`;
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600 });
  return token;
}

export interface NodeCredentialsRequest {
  nodeName: string;
  /** SPKI PEM of the agent's key. */
  publicKey: string;
}

export interface NodeCredentials {
  kind: 'NodeCredentials';
  nodeName: string;
  user: string;
  certificate: string;
  caCertificate: string;
}

export function nodeCredentialsHandler(ca: { cert: string; key: string }): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'POST') throw badRequest('POST a NodeCredentialsRequest');
    const body = decodeBody(await readBody(req, 64 * 1024), req.headers['content-type']);
    if (!isRecord(body)) throw badRequest('the body of the request must be a NodeCredentialsRequest');
    const nodeName = typeof body.nodeName === 'string' ? body.nodeName : '';
    const errs = isDNS1123Subdomain(nodeName).map((m) => fieldErrors.invalid('nodeName', nodeName, m));
    if (!nodeName) errs.push(fieldErrors.required('nodeName', ''));
    const publicKey = typeof body.publicKey === 'string' ? body.publicKey : '';
    if (!parsePublicKey(publicKey)) errs.push(fieldErrors.invalid('publicKey', '<key>', 'must be a PEM public key'));
    if (errs.length) throw invalid('peapod.dev', 'NodeCredentialsRequest', nodeName, errs);
    const user = `system:node:${nodeName}`;
    const { cert } = await issueClientCert(ca, { user, groups: ['system:nodes'], publicKeyPem: publicKey });
    const out: NodeCredentials = { kind: 'NodeCredentials', nodeName, user, certificate: cert, caCertificate: ca.cert };
    sendJson(res, 201, out);
  };
}
