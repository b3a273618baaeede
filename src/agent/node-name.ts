// What a node is called and how the control-plane node is marked: needed by `peapod server` to
// name its embedded agent's identity before (and without) loading the agent itself.
import { hostname } from 'node:os';

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

/** The default node name: the host name, lower-cased (node names are DNS subdomains). */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}
