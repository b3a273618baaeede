// x509 client certificates: issuing them with the cluster CA (for `peapod kubeconfig`, the
// server's own components and joining nodes) and authenticating TLS peers that present one, as
// upstream's x509 authenticator does: CN is the user name, each O is a group.
import { X509Certificate as NodeX509, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { loadX509 } from '../../util/tls/x509.ts';
import type { UserInfo } from './tokens.ts';

const { subtle } = webcrypto;
const KEY_ALG: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_ALG: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ClientCertOptions {
  readonly user: string;
  readonly groups?: readonly string[];
  /** Validity in days (default 365). */
  readonly days?: number;
  /** SPKI PEM of a key the requester holds; without it a new key pair is generated and returned. */
  readonly publicKeyPem?: string;
  readonly now?: Date;
}

export interface ClientCert {
  readonly cert: string;
  /** PKCS#8 PEM, only when the key was generated here. */
  readonly key?: string;
}

// RFC 4514 escaping of attribute values (commas, plus signs... in names and groups).
const escapeDn = (v: string): string =>
  v
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');

/** Issues a client certificate signed by the CA (CN=user, O=group for each group). */
export async function issueClientCert(ca: { cert: string; key: string }, options: ClientCertOptions): Promise<ClientCert> {
  const x509 = await loadX509();
  const now = options.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), KEY_ALG, false, ['sign']);
  let publicKey: webcrypto.CryptoKey;
  let privatePem: string | undefined;
  if (options.publicKeyPem) {
    const spki = createPublicKey(options.publicKeyPem).export({ type: 'spki', format: 'der' });
    publicKey = await subtle.importKey('spki', spki, KEY_ALG, true, ['verify']);
  } else {
    const keys = await subtle.generateKey(KEY_ALG, true, ['sign', 'verify']);
    publicKey = keys.publicKey;
    privatePem = x509.PemConverter.encode(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const subject = [...(options.groups ?? []).map((g) => `O=${escapeDn(g)}`), `CN=${escapeDn(options.user)}`].join(', ');
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'),
      subject,
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - 60 * 60 * 1000),
      notAfter: new Date(now.getTime() + (options.days ?? 365) * DAY_MS),
      signingAlgorithm: SIGN_ALG,
      publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ],
    },
    webcrypto,
  );
  return { cert: cert.toString('pem'), ...(privatePem ? { key: privatePem } : {}) };
}

/** The key of a PEM if it is an ECDSA P-256 public key (what issueClientCert signs), else undefined. */
export function parsePublicKey(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.type === 'public' && key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The user of a TLS connection whose client certificate chains to the CA the server was given
 * (`socket.authorized`), else undefined. Node verifies the chain and validity dates.
 */
export function authenticateClientCert(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  // The peer certificate is fixed at the handshake: read it once per connection, not per request
  // (getPeerCertificate builds a new object each call).
  let user = peerUsers.get(socket);
  if (user === undefined) peerUsers.set(socket, (user = userOfPeer(socket)));
  return user ? { name: user.name, groups: [...user.groups] } : undefined;
}

const peerUsers = new WeakMap<TLSSocket, UserInfo | null>();

function userOfPeer(socket: TLSSocket): UserInfo | null {
  const peer = socket.getPeerCertificate();
  if (!peer?.subject) return null;
  const cn = asList(peer.subject.CN)[0];
  if (!cn) return null;
  return { name: cn, groups: asList(peer.subject.O) };
}

/** Subject CN of a PEM certificate (for tests and messages). */
export function certificateSubject(pem: string): string {
  return new NodeX509(pem).subject;
}
