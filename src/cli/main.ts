// `peapod` command line: one binary for the server, the agent, images and dev helpers.
import { Command } from 'commander';
import { registerServerCommand } from './server-command.ts';
import { registerAgentCommand } from './agent-command.ts';
import { registerImageCommand } from './image-command.ts';
import { registerDevClusterCommand } from './dev-cluster-command.ts';
import { registerHollowNodesCommand } from './hollow-nodes-command.ts';
import { registerKubeconfigCommand } from './kubeconfig-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';

const program = new Command();
program.name('peapod').description('A small Kubernetes-compatible pod orchestrator').version('0.1.0');
registerServerCommand(program);
registerAgentCommand(program);
registerImageCommand(program);
registerDevClusterCommand(program);
registerHollowNodesCommand(program);
registerKubeconfigCommand(program);
registerMigrateCommand(program);
await program.parseAsync(process.argv);
