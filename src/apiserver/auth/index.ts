export {
  ADMIN_TOKEN_FILE,
  ADMIN_USER,
  AUTHENTICATED_GROUP,
  TokenAuthenticator,
  ensureAdminToken,
  type UserInfo,
} from './tokens.ts';
export { kubeconfigYaml, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.ts';
