// `peapod` command line: one binary for the server, the agent, images and dev helpers.
import { Command } from 'commander';

type Register = (program: Command) => void;

// Each command module pulls in its whole subsystem (the agent's runtime and image store, the dev
// cluster...), so only the command being run is loaded: `peapod server --disable agent` never
// loads the agent's code. Help and unknown commands load them all, to list them.
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  server: async () => (await import('./server-command.ts')).registerServerCommand,
  agent: async () => (await import('./agent-command.ts')).registerAgentCommand,
  image: async () => (await import('./image-command.ts')).registerImageCommand,
  dev: async () => (await import('./dev-cluster-command.ts')).registerDevClusterCommand,
  'hollow-nodes': async () => (await import('./hollow-nodes-command.ts')).registerHollowNodesCommand,
  kubeconfig: async () => (await import('./kubeconfig-command.ts')).registerKubeconfigCommand,
  migrate: async () => (await import('./migrate-command.ts')).registerMigrateCommand,
};

const program = new Command();
program.name('peapod').description('A small Kubernetes-compatible pod orchestrator').version('0.1.0');
const chosen = process.argv[2];
const wanted = chosen !== undefined && Object.hasOwn(COMMANDS, chosen) ? [COMMANDS[chosen]!] : Object.values(COMMANDS);
for (const register of await Promise.all(wanted.map((load) => load()))) register(program);
await program.parseAsync(process.argv);
