// The authenticated (or impersonated) user of the request being served, for admission plugins and
// handlers that need it (escalation checks, NodeRestriction, TokenRequest, SelfSubjectReview)
// without widening every store signature. Set once per request by server.ts, before admission.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UserInfo } from './tokens.ts';

const storage = new AsyncLocalStorage<UserInfo>();

export function runAsUser<T>(user: UserInfo, fn: () => T): T {
  return storage.run(user, fn);
}

/** The request's user; undefined outside a request (e.g. server bootstrap writes). */
export function currentUser(): UserInfo | undefined {
  return storage.getStore();
}
