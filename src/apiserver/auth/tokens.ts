// Bearer-token authentication (upstream's static token file authenticator, in memory).

import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../../util/tls/index.ts';

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
  readonly uid?: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export const ADMIN_TOKEN_FILE = 'admin.token';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const ADMIN_USER: UserInfo = { name: 'system:admin', groups: ['system:masters'] };

/**
 * Returns the admin token stored in `dir/admin.token`, creating it (256 random bits, base64url,
 * mode 0600) on first use. Idempotent; an empty file is replaced.
 */
export async function ensureAdminToken(dir: string): Promise<string> {
  const path = join(dir, ADMIN_TOKEN_FILE);
  const existing = (await readFileIfExists(path))?.trim();
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600 });
  return token;
}

// Tokens are kept by SHA-256 digest so a lookup never compares secret strings byte by byte.
const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Maps bearer tokens to users. Every authenticated user also gets `system:authenticated`, as the
 * apiserver's authentication chain adds it (kubectl auth whoami shows it).
 */
export class TokenAuthenticator {
  private readonly users = new Map<string, UserInfo>();

  constructor(tokens: Iterable<readonly [token: string, user: UserInfo]> = []) {
    for (const [token, user] of tokens) this.addToken(token, user);
  }

  /** Registers (or replaces) a token. Empty tokens are refused: they would match `Bearer `. */
  addToken(token: string, user: UserInfo): void {
    if (token === '') throw new Error('empty bearer token');
    const groups = user.groups.includes(AUTHENTICATED_GROUP) ? user.groups : [...user.groups, AUTHENTICATED_GROUP];
    this.users.set(digest(token), { ...user, groups });
  }

  removeToken(token: string): boolean {
    return this.users.delete(digest(token));
  }

  /**
   * Resolves an `Authorization` header value. Like upstream's bearertoken authenticator, the
   * scheme is case-insensitive and separated by one space; anything else (missing header, other
   * scheme, empty or unknown token) is undefined, which the caller turns into 401 or anonymous.
   */
  authenticate(headerValue: string | undefined): UserInfo | undefined {
    if (headerValue === undefined) return undefined;
    const [scheme, token] = headerValue.trim().split(' ', 3);
    if (scheme?.toLowerCase() !== 'bearer' || !token) return undefined;
    return this.users.get(digest(token));
  }
}
