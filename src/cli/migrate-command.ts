// `peapod migrate --from <data dir> --etcd-servers URLs`: moves a SQLite cluster's objects into etcd.
// Stop the server first; afterwards start `peapod server --data-dir <same dir> --etcd-servers URLs`
// so the CA, admin token and kubeconfig of the old cluster keep working.
import type { Command } from 'commander';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { openSqliteBackend } from '../storage/sqlite/sqlite-backend.ts';
import { copyBackend } from '../storage/copy-backend.ts';
import { openServerBackend } from '../server/open-backend.ts';
import { addEtcdFlags, etcdFromFlags, type ScaleOutFlags } from './scale-out-flags.ts';

export function registerMigrateCommand(program: Command): void {
  addEtcdFlags(program.command('migrate'))
    .description('copy every object of a SQLite data dir into etcd (stop the server first)')
    .requiredOption('--from <data-dir>', 'data dir of the SQLite cluster (its state.db is read, never changed)')
    .action(async (opts: ScaleOutFlags & { from: string }) => {
      const etcd = etcdFromFlags(opts);
      if (!etcd) throw new Error('peapod migrate needs --etcd-servers');
      const path = join(opts.from, 'state.db');
      if (!existsSync(path)) throw new Error(`${path} does not exist`);
      const from = await openSqliteBackend({ path, compactIntervalMs: 0 });
      const to = await openServerBackend(opts.from, { etcd, compactIntervalMs: 0 });
      try {
        const result = await copyBackend(from, to, { onProgress: (n) => process.stderr.write(`peapod: ${n} objects copied\r`) });
        process.stdout.write(`\npeapod: copied ${result.copied} objects into etcd; ${result.skipped} already there were left alone\n`);
      } finally {
        await from.close();
        await to.close();
      }
    });
}
