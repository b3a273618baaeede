// The agent `peapod server` runs beside the API server, so one command gives a single-node
// cluster (as `k3s server`). Its node carries the control-plane label; the taint is opt-in.
import { join } from 'node:path';
import type { Component } from '../server/component.ts';
import { CONTROL_PLANE_LABEL, defaultNodeName } from './node-name.ts';
import type { OciRuntimePreference } from './runtime/index.ts';

export interface EmbeddedAgentFlags {
  /** Default: the host name. */
  readonly nodeName?: string;
  /** Taint the node `node-role.kubernetes.io/control-plane:NoSchedule` (default: untainted). */
  readonly controlPlaneTaint?: boolean;
  readonly podCidr?: string;
  readonly ociRuntime?: OciRuntimePreference;
  /** The server's --service-cluster-ip-range: the embedded node proxies it and answers its DNS IP. */
  readonly serviceCidr?: string;
  /** registries.yaml of the node (default `<data dir>/agent/registries.yaml`). */
  readonly registryConfig?: string;
}

/**
 * Never fails the server: without root or the runtime packages it logs why and does not start
 * (the API still serves; pods bound to the node stay Pending), and a start-up error is logged.
 */
export function embeddedAgent(flags: EmbeddedAgentFlags = {}): Component {
  return {
    name: 'agent',
    identity: { user: `system:node:${flags.nodeName ?? defaultNodeName()}`, groups: ['system:nodes'] },
    async start(ctx) {
      // The agent's code (runtime, images, network, DNS...) is loaded only when it starts, so a
      // server run with --disable agent never pays for it.
      const [{ conmonPreflight }, { startAgent }] = await Promise.all([import('./preflight.ts'), import('./agent.ts')]);
      const problems = await conmonPreflight(flags.ociRuntime);
      if (problems.length) {
        ctx.log(
          `embedded agent not started: ${problems.join('; ')}. Pods bound to this node will stay Pending; run as root with the packages installed (scripts/install-deps.sh), or pass --disable agent to silence this.`,
        );
        return;
      }
      try {
        await startAgent({
          client: ctx.client,
          nodeName: flags.nodeName ?? defaultNodeName(),
          dataDir: join(ctx.dataDir, 'agent'),
          runtime: 'conmon',
          ociRuntime: flags.ociRuntime,
          podCidr: flags.podCidr,
          // The embedded node lives on the API server's machine: when the API listens on loopback,
          // so does the node's streaming endpoint, and nothing dials the machine's other addresses.
          nodeIp: loopbackHost(ctx.server.url),
          services: { serviceCidr: flags.serviceCidr },
          registryConfig: flags.registryConfig,
          labels: { [CONTROL_PLANE_LABEL]: '' },
          taints: flags.controlPlaneTaint ? [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }] : [],
          streaming: { token: ctx.server.token, port: 0 },
          signal: ctx.signal,
          log: ctx.log,
          progress: (step) => ctx.log(`agent: ${step}`),
        });
      } catch (e) {
        ctx.log(`embedded agent failed to start: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

function loopbackHost(url: string): string | undefined {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' ? '127.0.0.1' : undefined;
}
