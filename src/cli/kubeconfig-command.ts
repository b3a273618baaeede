// `peapod kubeconfig --user alice --group dev`: a kubeconfig for a new user, with a client
// certificate (CN=alice, O=dev) signed by the cluster CA read from the server's data dir. Run on
// the server machine by whoever may read <data-dir>/pki/ca.key (root for the default data dir).
// What the user may then do is up to RBAC: a new user can do nothing until bound to a role.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { issueClientCert, kubeconfigYaml, writeKubeconfig } from '../apiserver/auth/index.ts';
import { defaultDataDir } from './server-command.ts';

interface KubeconfigFlags {
  user: string;
  group: string[];
  output?: string;
  dataDir: string;
  server?: string;
  namespace?: string;
  days: string;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function fail(message: string): never {
  process.stderr.write(`peapod kubeconfig: ${message}\n`);
  process.exit(1);
}

/** The server URL from the admin kubeconfig the server wrote into its data dir. */
async function serverUrl(dataDir: string): Promise<string | undefined> {
  try {
    const doc = parse(await readFile(join(dataDir, 'kubeconfig.yaml'), 'utf8')) as { clusters?: { cluster?: { server?: string } }[] };
    return doc.clusters?.[0]?.cluster?.server;
  } catch {
    return undefined;
  }
}

export function registerKubeconfigCommand(program: Command): void {
  program
    .command('kubeconfig')
    .description('print a kubeconfig for a user, with a client certificate signed by the cluster CA')
    .requiredOption('--user <name>', 'user name (certificate CN)')
    .option('--group <name>', 'group (certificate O; repeatable)', collect, [])
    .option('-o, --output <file>', 'write to this file (mode 0600) instead of stdout')
    .option('--data-dir <dir>', "the server's data dir (holds pki/ca.key)", defaultDataDir())
    .option('--server <url>', 'API server URL (default: the one in <data-dir>/kubeconfig.yaml)')
    .option('--namespace <ns>', 'default namespace of the context')
    .option('--days <n>', 'certificate validity in days', '365')
    .action(async (opts: KubeconfigFlags) => {
      if (opts.user.trim() === '') fail('--user must not be empty');
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1) fail(`--days: expected a positive integer, got ${JSON.stringify(opts.days)}`);
      const pki = join(opts.dataDir, 'pki');
      const [caCert, caKey] = await Promise.all([readFile(join(pki, 'ca.crt'), 'utf8'), readFile(join(pki, 'ca.key'), 'utf8')]).catch((e: Error) =>
        fail(`cannot read the cluster CA in ${pki}: ${e.message}`),
      );
      const server = opts.server ?? (await serverUrl(opts.dataDir)) ?? 'https://127.0.0.1:6443';
      const { cert, key } = await issueClientCert({ cert: caCert, key: caKey }, { user: opts.user, groups: opts.group, days });
      const config = { server, caPem: caCert, clientCert: cert, clientKey: key, user: opts.user, context: `${opts.user}@peapod`, namespace: opts.namespace };
      if (opts.output) await writeKubeconfig(opts.output, config);
      else process.stdout.write(kubeconfigYaml(config));
    });
}
