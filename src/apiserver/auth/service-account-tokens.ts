// ServiceAccount tokens: ES256 JWTs signed by a key kept in the data dir (upstream's
// --service-account-signing-key-file), with the claims upstream's TokenRequest issues. Verifying a
// token checks the signature, issuer, audience and expiry here; whether the bound ServiceAccount and
// pod still exist is the caller's lookup (see BoundObjectCheck), as upstream's legacy validator does.
import { createPrivateKey, createPublicKey, createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../../util/tls/index.ts';
import type { UserInfo } from './tokens.ts';

export const SA_KEY_FILE = 'sa.key';
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

export interface BoundRef {
  readonly name: string;
  readonly uid: string;
}

export interface ServiceAccountClaims {
  iss: string;
  aud: string[];
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti?: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: BoundRef;
    pod?: BoundRef;
    secret?: BoundRef;
    node?: BoundRef;
    warnafter?: number;
  };
}

export interface IssueRequest {
  readonly namespace: string;
  readonly serviceAccount: BoundRef;
  readonly pod?: BoundRef;
  readonly secret?: BoundRef;
  readonly node?: BoundRef;
  readonly audiences?: readonly string[];
  readonly expirationSeconds: number;
  readonly now: Date;
}

/** Answers whether the objects a token is bound to still exist with the same UIDs. */
export type BoundObjectCheck = (claims: ServiceAccountClaims) => Promise<boolean>;

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export class ServiceAccountTokens {
  private readonly keyId: string;
  private constructor(
    private readonly privateKey: KeyObject,
    readonly issuer: string,
  ) {
    const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    this.keyId = createHash('sha256').update(der).digest('base64url');
  }

  /** Loads `dir/sa.key`, creating an ECDSA P-256 key (0600) on first use. */
  static async open(dir: string, issuer = DEFAULT_ISSUER): Promise<ServiceAccountTokens> {
    const path = join(dir, SA_KEY_FILE);
    let pem = await readFileIfExists(path);
    if (!pem) {
      pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await writeFileAtomic(path, pem, { mode: 0o600 });
    }
    return new ServiceAccountTokens(createPrivateKey(pem), issuer);
  }

  issue(req: IssueRequest): { token: string; expiration: Date } {
    const iat = Math.floor(req.now.getTime() / 1000);
    const exp = iat + req.expirationSeconds;
    const claims: ServiceAccountClaims = {
      aud: [...(req.audiences?.length ? req.audiences : [this.issuer])],
      exp,
      iat,
      iss: this.issuer,
      jti: crypto.randomUUID(),
      'kubernetes.io': {
        namespace: req.namespace,
        ...(req.node ? { node: req.node } : {}),
        ...(req.pod ? { pod: req.pod } : {}),
        ...(req.secret ? { secret: req.secret } : {}),
        serviceaccount: req.serviceAccount,
      },
      nbf: iat,
      sub: `${SERVICE_ACCOUNT_PREFIX}${req.namespace}:${req.serviceAccount.name}`,
    };
    const input = `${b64({ alg: 'ES256', kid: this.keyId })}.${b64(claims)}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${sig.toString('base64url')}`, expiration: new Date(exp * 1000) };
  }

  /**
   * Claims of a token this server signed and that is valid now for one of `audiences` (default:
   * the issuer), or undefined. Never throws on malformed input.
   */
  verify(token: string, now: Date, audiences: readonly string[] = [this.issuer]): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 16 * 1024) return undefined;
    const [h, p, s] = parts as [string, string, string];
    let header: unknown;
    let claims: ServiceAccountClaims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as ServiceAccountClaims;
    } catch {
      return undefined;
    }
    if (!header || typeof header !== 'object' || (header as { alg?: unknown }).alg !== 'ES256') return undefined;
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    if (!ok || !claims || typeof claims !== 'object') return undefined;
    const t = now.getTime() / 1000;
    if (claims.iss !== this.issuer || typeof claims.exp !== 'number' || claims.exp <= t) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf > t + 60) return undefined;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => audiences.includes(a))) return undefined;
    const k = claims['kubernetes.io'];
    if (!k || typeof k.namespace !== 'string' || typeof k.serviceaccount?.name !== 'string') return undefined;
    if (claims.sub !== `${SERVICE_ACCOUNT_PREFIX}${k.namespace}:${k.serviceaccount.name}`) return undefined;
    return claims;
  }
}

/** The user a ServiceAccount token stands for, with upstream's groups and extra. */
export function serviceAccountUser(claims: ServiceAccountClaims): UserInfo {
  const k = claims['kubernetes.io'];
  const extra: Record<string, string[]> = {};
  if (k.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
  }
  if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  return {
    name: claims.sub,
    uid: k.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`],
    extra,
  };
}

/** Splits `system:serviceaccount:<ns>:<name>`; undefined for other user names. */
export function parseServiceAccountUser(name: string): { namespace: string; name: string } | undefined {
  if (!name.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const [ns, sa, ...rest] = name.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  return ns && sa && rest.length === 0 ? { namespace: ns, name: sa } : undefined;
}
