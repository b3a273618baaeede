export {
  ADMIN_TOKEN_FILE,
  ADMIN_USER,
  AUTHENTICATED_GROUP,
  TokenAuthenticator,
  ensureAdminToken,
  type UserInfo,
} from './tokens.ts';
export { kubeconfigYaml, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.ts';
export { createAuthenticator, type AuthenticatorChain } from './chain.ts';
export { issueClientCert, authenticateClientCert, type ClientCert } from './client-certs.ts';
export { ServiceAccountTokens, serviceAccountUser, parseServiceAccountUser, type ServiceAccountClaims } from './service-account-tokens.ts';
export { boundObjectCheck, tokenRequestHandler } from './token-request.ts';
export { BOOTSTRAP_USER, NODE_CREDENTIALS_PATH, NODE_TOKEN_FILE, ensureNodeToken, nodeCredentialsHandler, type NodeCredentials } from './node-bootstrap.ts';
