// The authentication chain of the API server, in upstream's order: x509 client certificate, then
// bearer tokens (static tokens, then ServiceAccount JWTs). Every authenticated user gets the
// `system:authenticated` group. No credential, or a bearer token nobody accepts, is undefined (401).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { authenticateClientCert } from './client-certs.ts';
import { serviceAccountUser, type BoundObjectCheck, type ServiceAccountTokens } from './service-account-tokens.ts';
import { AUTHENTICATED_GROUP, type TokenAuthenticator, type UserInfo } from './tokens.ts';

export interface AuthenticatorChain {
  readonly tokens: TokenAuthenticator;
  readonly serviceAccounts?: { readonly tokens: ServiceAccountTokens; readonly bound: BoundObjectCheck };
  readonly now?: () => Date;
}

const withAuthenticated = (u: UserInfo): UserInfo => (u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] });

export function createAuthenticator(chain: AuthenticatorChain): (req: IncomingMessage) => Promise<UserInfo | undefined> {
  return async (req) => {
    const cert = authenticateClientCert(req.socket as TLSSocket);
    if (cert) return withAuthenticated(cert);
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const user = chain.tokens.authenticate(header);
    if (user) return user;
    const sa = chain.serviceAccounts;
    const m = /^bearer (\S+)$/i.exec(header.trim());
    if (!sa || !m) return undefined;
    const claims = sa.tokens.verify(m[1]!, chain.now?.() ?? new Date());
    if (!claims || !(await sa.bound(claims))) return undefined;
    return withAuthenticated(serviceAccountUser(claims));
  };
}
